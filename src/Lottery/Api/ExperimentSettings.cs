using Lottery.Lottery;

namespace Lottery.Api;

/// <summary>Where and how an <see cref="Experiment"/> runs, as opposed to what it computes (its hyperparameters).</summary>
public sealed record ExperimentSettings
{
    /// <summary>Parent of the run directories (created when needed).</summary>
    public string RunsRoot { get; init; } = "runs";

    /// <summary>Base seed of every random stream (θ0, data order, dropout, reinitializations); part of the run's identity.</summary>
    public long Seed { get; init; }

    /// <summary>Reset survivors to their weights after this step of dense training ("500it", "2ep"); null = θ0.
    /// Part of the run's identity.</summary>
    public string? Rewind { get; init; }

    /// <summary>Progress callbacks (stages, iterations, measurements, messages such as warnings); null = none.</summary>
    public ILotteryObserver? Observer { get; init; }

    /// <summary>Iterations between checkpoints within a stage (a killed process resumes from the last one).</summary>
    public int CheckpointEvery { get; init; } = 1000;

    /// <summary>Write TensorBoard event files beside each stage's metrics.</summary>
    public bool TensorBoard { get; init; }

    /// <summary>Stops training at the next iteration; the last checkpoint is kept for the next call to resume from.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Where the registry's datasets are (mnist/, fashion-mnist/, cifar-10-batches-bin/); null = LOTTERY_DATA,
    /// the system locations, then download. Not used for data supplied in code.</summary>
    public string? DataRoot { get; init; }

    /// <summary>Where data, network and parameter arena live: CPU (default; the fused SIMD optimizer) or a CUDA device
    /// (whole-arena tensor operations), which needs the TorchSharp-cuda backend package in place of TorchSharp-cpu.</summary>
    public TorchSharp.torch.Device? Device { get; init; }

    /// <summary>Whether pruned linear layers run on sparse kernels (auto: where they are faster on this machine, the
    /// default; on; off). Not part of a run's identity: like the thread count it changes the last bits; each stage
    /// records the layers that ran sparse.</summary>
    public Sparse.SparseMode Sparse { get; init; } = global::Lottery.Sparse.SparseMode.Auto;
}
