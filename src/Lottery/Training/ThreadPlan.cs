using Lottery.Models;
using TorchSharp;

namespace Lottery.Training;

/// <summary>
/// Intra-op threads for the training loop and for measurements. Why two numbers: at LeNet's size one training
/// iteration is ~0.1 GFLOP, and a second thread costs more in synchronisation than it gains (measured: 0.87 ms
/// per iteration on one thread, 1.06 on two), while evaluating 15,000 examples at once scales (183K vs 305K
/// examples/s). Larger models use every core for both.
/// </summary>
public sealed record ThreadPlan(int Train, int Eval)
{
    /// <summary>Training FLOPs per iteration below which one thread is faster.</summary>
    public const double SmallIterationFlops = 5e8;

    public static ThreadPlan Fixed(int threads) => new(threads, threads);

    public static ThreadPlan Auto(LotteryModel model, int batchSize)
    {
        int cores = Environment.ProcessorCount;
        double flops = 3.0 * model.ForwardFlopsPerExample * batchSize;
        return new ThreadPlan(flops < SmallIterationFlops ? 1 : cores, cores);
    }

    public void UseForTraining() { if (torch.get_num_threads() != Train) torch.set_num_threads(Train); }
    public void UseForEvaluation() { if (torch.get_num_threads() != Eval) torch.set_num_threads(Eval); }
}
