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
/// <param name="SparseLayers">The layers the sparse path ran on its kernels (as a stage records them: the weight's name, with
/// the one use it ran sparse in when not both), with their density.</param>
/// <param name="DenseLimitMilliseconds">The dense products of the layers that trained sparse at the peak rate (3 · 2 · in · out · batch FLOPs).</param>
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
        // The layers the sparse path ran: as recorded, by weight, with their density and whether they trained sparse.
        PathSpeed Measure(SparseMode m, out IReadOnlyList<(string Record, string Weight, double Density, bool Training)> layers)
        {
            using var model = run.CreateModel();
            using var arena = new ParameterArena(model);
            arena.Load(start);
            arena.SetMask(mask, skipPruned: m != SparseMode.Off);
            using var sparse = SparseNetwork.Attach(model, arena, mask, m);
            layers = sparse.Layers.Select(l => (l.Record, l.Name + ".weight", l.Layout.Density, l.Training)).ToList();
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
        var dense = new List<PathSpeed>();
        var sparse = new List<PathSpeed>();
        IReadOnlyList<(string Record, string Weight, double Density, bool Training)> used = [];
        for (int round = 0; round < 2; round++)
        {
            dense.Add(Measure(SparseMode.Off, out _));
            sparse.Add(Measure(mode, out used));
        }
        var trained = used.Where(l => l.Training).ToList();
        static PathSpeed Best(List<PathSpeed> all) => new(all.Min(p => p.MillisecondsPerIteration), all.Max(p => p.EvalExamplesPerSecond));
        using var probe = run.CreateModel();
        var shapes = probe.PrunableTensors.ToDictionary(t => t.Name, t => t.Count);
        double denseFlops = trained.Sum(l => 3.0 * 2 * shapes[l.Weight] * batch);
        double sparseFlops = trained.Sum(l => 3.0 * 2 * shapes[l.Weight] * l.Density * batch);
        var summary = StageSummary.TryLoad(stage);
        return new TicketSpeed(Path.GetRelativePath(run.Layout.Root, stage), summary?.PercentRemaining ?? 100.0 * mask.TotalRemaining / mask.TotalSize,
            batch, iterations, Best(dense), Best(sparse), used.Select(l => (l.Record, l.Density)).ToList(), peakGflops, denseFlops / peakGflops / 1e6, sparseFlops / peakGflops / 1e6, mode.Name());
    }

    /// <summary>One layer's training step (forward, weight and input gradients) and its inference (the forward alone, without
    /// gradients, at the evaluation batch size) dense against sparse at each density: where each crossover lies for that
    /// shape.</summary>
    public static IReadOnlyList<LayerSpeed> Layer(int outputs, int inputs, int batch, int inferenceBatch, IReadOnlyList<double> densities, bool inputGradient = true)
    {
        var result = new List<LayerSpeed>();
        foreach (var density in densities)
        {
            (double Step, double Inference) Time(bool useSparse)
            {
                using var scope = NewDisposeScope();
                var network = nn.Sequential(("fc", nn.Linear(inputs, outputs)));
                using var model = new AdoptedModel("layer", network, new InputShape(1, 1, inputs, outputs));
                using var arena = new ParameterArena(model);
                var random = new Random(1);
                var mask = new Mask([KeyValuePair.Create("fc.weight", Enumerable.Range(0, inputs * outputs).Select(_ => random.NextDouble() < density).ToArray())]);
                arena.SetMask(mask, skipPruned: useSparse);
                using var sparse = useSparse ? SparseNetwork.Attach(model, arena, mask, SparseMode.On) : SparseNetwork.None;
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
                double stepMs = clock.Elapsed.TotalMilliseconds / n;
                // Inference as the evaluator runs it: inference mode, evaluation batches, the output consumed.
                var xi = randn(inferenceBatch, inputs);
                int m = Math.Max(5, (int)(n * (long)batch / inferenceBatch));
                using var inference = inference_mode();
                for (int it = 0; it < m + 3; it++)
                {
                    if (it == 3) clock.Restart();
                    using var step = NewDisposeScope();
                    model.forward(xi).sum().item<float>();
                }
                return (stepMs, clock.Elapsed.TotalMilliseconds / m);
            }
            var (denseStep, denseInference) = Time(false);
            var (sparseStep, sparseInference) = Time(true);
            result.Add(new LayerSpeed(density, denseStep, sparseStep, denseInference, sparseInference));
        }
        return result;
    }
}

/// <summary>One layer at one density: a training step's milliseconds and an evaluation batch's, dense and sparse.</summary>
public sealed record LayerSpeed(double Density, double DenseMs, double SparseMs, double DenseInferenceMs, double SparseInferenceMs);
