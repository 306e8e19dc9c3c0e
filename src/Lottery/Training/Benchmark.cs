using System.Diagnostics;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Training;

/// <summary>One model's speed: the real training loop (Trainer) on synthetic data of the dataset's shape.</summary>
/// <param name="MinorPageFaults">Minor page faults of the process while this model was measured (training and evaluation).</param>
/// <param name="SystemSeconds">Kernel CPU time in the same span: with <paramref name="UserSeconds"/>, where the time went.</param>
public sealed record BenchmarkResult(
    string Model, int BatchSize, int Iterations, double MillisecondsPerIteration, double IterationsPerSecond,
    double EvalExamplesPerSecond, double TrainFlopsPerIteration, double TrainGflops, double PeakGflops,
    long MinorPageFaults, double SystemSeconds, double UserSeconds)
{
    public double ShareOfPeak => PeakGflops <= 0 ? 0 : TrainGflops / PeakGflops;

    /// <summary>Cost of evaluating one example over the cost of training on one (forward only against forward and
    /// backward: about 1/3 when evaluation runs as well as training does).</summary>
    public double EvalCostPerTrainCost => EvalExamplesPerSecond <= 0 ? double.NaN
        : (1.0 / EvalExamplesPerSecond) / (MillisecondsPerIteration / 1000 / BatchSize);
}

/// <summary>This process's CPU times and minor page faults (Linux /proc/self/stat; zeros elsewhere).</summary>
public readonly record struct ProcessCounters(long MinorFaults, double UserSeconds, double SystemSeconds)
{
    public static ProcessCounters Now()
    {
        var process = System.Diagnostics.Process.GetCurrentProcess();
        long faults = 0;
        try
        {
            // Fields after the command name (which may hold spaces, so split after its closing parenthesis):
            // state is field 3; minflt is field 10.
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            faults = long.Parse(fields[10 - 3], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { }
        return new ProcessCounters(faults, process.UserProcessorTime.TotalSeconds, process.PrivilegedProcessorTime.TotalSeconds);
    }

    public static ProcessCounters operator -(ProcessCounters a, ProcessCounters b) =>
        new(a.MinorFaults - b.MinorFaults, a.UserSeconds - b.UserSeconds, a.SystemSeconds - b.SystemSeconds);
}

/// <summary>
/// Measures training iterations per second through the same <see cref="Trainer"/> the runs use (timed between
/// iteration callbacks, so the measurements at the start and end are excluded), evaluation throughput, the
/// arithmetic of one iteration (forward ×3 for forward+backward), and this machine's float32 matmul rate as peak.
/// </summary>
public static class Benchmark
{
    public static BenchmarkResult Run(ExperimentHparams hparams, DatasetSpec spec, int iterations, string scratch, double peakGflops)
    {
        var before = ProcessCounters.Now();
        var raw = Synthetic(spec, hparams.Dataset.ValidationSize + Math.Max(hparams.Dataset.BatchSize * 4, 1000));
        using var data = SplitData.Create(raw, hparams.Dataset with { TrainSubset = null });
        using var model = ModelRegistry.Create(hparams.Model, data.Shape);
        Initializers.Apply(model, hparams.Model.Initializer, 0);
        using var arena = new ParameterArena(model);
        int warm = Math.Min(10, iterations / 5);
        // Timing only: the schedule's shape (warmup, decay) does not change the cost of an iteration, and the
        // preset's milestones may lie beyond the timed iterations.
        var timed = hparams.Training with { Iterations = $"{iterations}it", EvalEvery = int.MaxValue, TestEvery = null, Warmup = null, Milestones = null };
        var plan = TrainingPlan.Create(hparams with { Training = timed }, data.Train.Count);
        var timer = new IterationTimer(warm, iterations);
        if (Directory.Exists(scratch)) Directory.Delete(scratch, true);
        new Trainer(arena, data, plan, timer).Run(new StageSpec("bench", scratch, 1, 2, CheckpointEvery: int.MaxValue));
        Directory.Delete(scratch, true);

        var clock = Stopwatch.StartNew();
        int evalRounds = 0;
        while (clock.Elapsed.TotalSeconds < 1 || evalRounds < 2) { Evaluator.Evaluate(model, data.Validation); evalRounds++; }
        double evalRate = evalRounds * (double)data.Validation.Count / clock.Elapsed.TotalSeconds;

        double ms = timer.Milliseconds / (iterations - warm);
        double flops = 3.0 * model.ForwardFlopsPerExample * hparams.Dataset.BatchSize;
        var spent = ProcessCounters.Now() - before;
        return new BenchmarkResult(hparams.Model.Model, hparams.Dataset.BatchSize, iterations - warm, ms, 1000 / ms,
            evalRate, flops, flops / (ms / 1000) / 1e9, peakGflops, spent.MinorFaults, spent.SystemSeconds, spent.UserSeconds);
    }

    /// <summary>float32 matrix-multiply rate (GFLOP/s) at the current thread count, the best of four sizes:
    /// the practical peak of this machine.</summary>
    public static double MeasurePeakGflops() => new[] { 512, 1024, 2048, 4096 }.Max(MatmulGflops);

    static double MatmulGflops(int size)
    {
        using var scope = NewDisposeScope();
        var a = randn(size, size);
        var b = randn(size, size);
        for (int i = 0; i < 3; i++) mm(a, b).Dispose();
        var clock = Stopwatch.StartNew();
        int rounds = 0;
        while (clock.Elapsed.TotalSeconds < 1) { mm(a, b).Dispose(); rounds++; }
        return 2.0 * size * size * size * rounds / clock.Elapsed.TotalSeconds / 1e9;
    }

    static RawDataset Synthetic(DatasetSpec spec, int trainCount)
    {
        var random = new Random(0);
        byte[] Bytes(long n) { var b = new byte[n]; random.NextBytes(b); return b; }
        byte[] Labels(int n) => Enumerable.Range(0, n).Select(_ => (byte)random.Next(spec.Classes)).ToArray();
        return new RawDataset
        {
            Spec = spec,
            Root = "(synthetic)",
            TrainImages = Bytes((long)trainCount * spec.ImageSize),
            TrainLabels = Labels(trainCount),
            TestImages = Bytes(1000L * spec.ImageSize),
            TestLabels = Labels(1000),
            FileChecksums = new Dictionary<string, string>(),
        };
    }

    internal sealed class IterationTimer(int warm, int end) : ITrainingObserver
    {
        readonly Stopwatch _clock = new();
        public double Milliseconds => _clock.Elapsed.TotalMilliseconds;
        public void OnIteration(int iteration)
        {
            if (iteration == warm) _clock.Restart();
            if (iteration == end) _clock.Stop();
        }
    }
}
