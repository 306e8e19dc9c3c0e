using System.Diagnostics;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Models;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Training;
using static TorchSharp.torch;

namespace Lottery.Sparse;

/// <summary>One path's speed on a ticket: training iterations (the real trainer, no measurements) and test-set evaluation.</summary>
public sealed record PathSpeed(double MillisecondsPerIteration, double EvalExamplesPerSecond);

/// <summary>A ticket's training and inference, dense against sparse, measured in one process and alternated (dense, sparse,
/// dense, sparse; the best of each kept), with the arithmetic limit of each: 3 products of 2 · weights · batch FLOPs for
/// the layers that run sparse, at the machine's measured matmul rate.</summary>
/// <param name="SparseLayers">The layers the sparse path ran on its kernels (by weight name), with their density.</param>
/// <param name="DenseLimitMilliseconds">Those layers' dense products at the peak rate (3 · 2 · in · out · batch FLOPs).</param>
/// <param name="SparseLimitMilliseconds">Their kept weights' products at the peak rate (3 · 2 · kept · batch FLOPs).</param>
public sealed record TicketSpeed(string Stage, double PercentRemaining, int BatchSize, int Iterations, PathSpeed Dense, PathSpeed Sparse,
    IReadOnlyList<(string Name, double Density)> SparseLayers, double PeakGflops, double DenseLimitMilliseconds, double SparseLimitMilliseconds, string Mode);

public static class SparseBenchmark
{
    /// <summary>Times the ticket in directory <paramref name="stage"/> (its mask and starting weights) of <paramref name="run"/>.</summary>
    public static TicketSpeed Ticket(RunHandle run, string stage, int iterations, SparseMode mode, double peakGflops)
    {
        var mask = WeightsIO.LoadMask(Path.Combine(stage, StageFiles.Mask));
        var start = WeightsIO.LoadWeights(Path.Combine(stage, StageFiles.Start));
        var data = run.Data;
        int batch = run.Hparams.Dataset.BatchSize;
        var timed = run.Hparams.Training with { Iterations = $"{iterations}it", EvalEvery = int.MaxValue, TestEvery = null, Warmup = null, Milestones = null };
        var plan = TrainingPlan.Create(run.Hparams with { Training = timed }, data.Train.Count);
        PathSpeed Measure(SparseMode m, out IReadOnlyList<(string, double)> layers)
        {
            using var model = run.CreateModel();
            using var arena = new ParameterArena(model);
            arena.Load(start);
            arena.SetMask(mask, skipPruned: m != SparseMode.Off);
            using var sparse = SparseNetwork.Attach(model, arena, mask, m, batch);
            layers = sparse.Layers.Select(l => (l.Name + ".weight", l.Layout.Density)).ToList();
            int warm = Math.Min(10, iterations / 5);
            var timer = new Benchmark.IterationTimer(warm, iterations);
            var scratch = Path.Combine(Path.GetTempPath(), $"lottery-bench-{Environment.ProcessId}-{Guid.NewGuid():N}");
            try { new Trainer(arena, data, plan, timer).Run(new StageSpec("bench", scratch, 1, 2, CheckpointEvery: int.MaxValue)); }
            finally { if (Directory.Exists(scratch)) Directory.Delete(scratch, true); }
            // The ticket's test set, as a measurement evaluates it (its own batch size), timed over at least a second.
            Evaluator.Evaluate(model, data.Test);
            var clock = Stopwatch.StartNew();
            int rounds = 0;
            while (clock.Elapsed.TotalSeconds < 1 || rounds < 2) { Evaluator.Evaluate(model, data.Test); rounds++; }
            return new PathSpeed(timer.Milliseconds / (iterations - warm), rounds * (double)data.Test.Count / clock.Elapsed.TotalSeconds);
        }
        IReadOnlyList<(string, double)> used = [];
        var dense = new List<PathSpeed>();
        var sparse = new List<PathSpeed>();
        for (int round = 0; round < 2; round++)
        {
            dense.Add(Measure(SparseMode.Off, out _));
            sparse.Add(Measure(mode, out used));
        }
        static PathSpeed Best(List<PathSpeed> all) => new(all.Min(p => p.MillisecondsPerIteration), all.Max(p => p.EvalExamplesPerSecond));
        using var probe = run.CreateModel();
        var shapes = probe.PrunableTensors.ToDictionary(t => t.Name, t => t.Count);
        double denseFlops = used.Sum(l => 3.0 * 2 * shapes[l.Item1] * batch);
        double sparseFlops = used.Sum(l => 3.0 * 2 * shapes[l.Item1] * l.Item2 * batch);
        var summary = StageSummary.TryLoad(stage);
        return new TicketSpeed(Path.GetRelativePath(run.Layout.Root, stage), summary?.PercentRemaining ?? 100.0 * mask.TotalRemaining / mask.TotalSize,
            batch, iterations, Best(dense), Best(sparse), used, peakGflops, denseFlops / peakGflops / 1e6, sparseFlops / peakGflops / 1e6, mode.Name());
    }

    /// <summary>One layer's training step (forward, weight and input gradients) dense against sparse at each density: where
    /// the crossover lies for that shape and batch.</summary>
    public static IReadOnlyList<(double Density, double DenseMs, double SparseMs)> Layer(int outputs, int inputs, int batch, IReadOnlyList<double> densities, bool inputGradient = true)
    {
        var result = new List<(double, double, double)>();
        foreach (var density in densities)
        {
            double Time(bool useSparse)
            {
                using var scope = NewDisposeScope();
                var network = nn.Sequential(("fc", nn.Linear(inputs, outputs)));
                using var model = new AdoptedModel("layer", network, new InputShape(1, 1, inputs, outputs));
                using var arena = new ParameterArena(model);
                var random = new Random(1);
                var mask = new Mask([KeyValuePair.Create("fc.weight", Enumerable.Range(0, inputs * outputs).Select(_ => random.NextDouble() < density).ToArray())]);
                arena.SetMask(mask, skipPruned: useSparse);
                using var sparse = useSparse ? SparseNetwork.Attach(model, arena, mask, SparseMode.On, batch) : SparseNetwork.None;
                var x = randn(batch, inputs).requires_grad_(inputGradient);
                var dy = randn(batch, outputs);
                long weights = (long)inputs * outputs;
                int n = weights > 1_000_000 ? 40 : weights > 100_000 ? 300 : 1000;
                var clock = new Stopwatch();
                for (int it = 0; it < n + 10; it++)
                {
                    if (it == 10) clock.Restart();
                    using var step = NewDisposeScope();
                    arena.ZeroGrad();
                    (model.forward(x) * dy).sum().backward();
                }
                return clock.Elapsed.TotalMilliseconds / n;
            }
            result.Add((density, Time(false), Time(true)));
        }
        return result;
    }
}
