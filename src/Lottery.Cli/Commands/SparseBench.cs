using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Runs;
using Lottery.Sparse;
using Lottery.Training;

namespace Lottery.Cli.Commands;

/// <summary>`lottery bench --run RUN --level L` (a ticket's training and inference, dense against sparse) and
/// `lottery bench --crossover` (one layer's step against density).</summary>
public static class SparseBench
{
    static readonly double[] Densities = [0.5, 0.3, 0.2, 0.15, 0.1, 0.05, 0.036, 0.01, 0.005];
    static readonly (string Name, int Out, int In)[] Shapes = [("LeNet fc1", 300, 784), ("LeNet fc2", 100, 300), ("Conv-2 fc1", 256, 16384), ("Conv-2 fc2", 256, 256)];

    public static int Run(ParseResult p, Option<string?> run, Option<int?> level, Option<double?> target, Option<int?> replicate, Option<string> sparse,
        Option<bool> crossover, Option<int?> iterations, Option<int?> threads, Option<bool> json, Option<string?> runsDir, Option<string?> dataRoot, Option<string> presets)
    {
        if (p.GetResult(presets) is { Implicit: false }) throw new HparamsException("--presets times the synthetic benchmark: drop it with --run or --crossover");
        var mode = SparseModes.Parse(p.GetValue(sparse)!);
        if (mode == SparseMode.Off) throw new HparamsException("--sparse off has no sparse path to compare: use auto or on");
        if (p.GetValue(crossover))
        {
            if (p.GetValue(run) is not null) throw new HparamsException("--crossover times layers, not a run: drop --run");
            return Crossover(p, threads, json);
        }
        if (p.GetValue(level) is not null == p.GetValue(target) is not null)
            throw new HparamsException("--run needs the ticket: give --level L (an iterative run) or --target P (a one-shot run)");
        var dir = RunCatalog.Resolve(CliRuntime.RunsRoot(p.GetValue(runsDir)), p.GetValue(run)!);
        var manifest = RunManifest.LoadVerified(dir);
        var layout = new RunLayout(dir);
        int r = p.GetValue(replicate) ?? 1;
        var stage = p.GetValue(level) is int l ? layout.Level(r, l)
            : layout.Targets(r).FirstOrDefault(t => Math.Abs(t.Percent - p.GetValue(target)!.Value) < 1e-9).Directory
              ?? throw new RunFileException($"replicate {r} of {Path.GetFileName(dir)} has no one-shot target {p.GetValue(target)!.Value.ToString(CultureInfo.InvariantCulture)}%");
        if (!File.Exists(Path.Combine(stage, StageFiles.Mask)) || !File.Exists(Path.Combine(stage, StageFiles.Start)))
            throw new RunFileException($"{Path.GetRelativePath(dir, stage)} of {Path.GetFileName(dir)} has no ticket yet (no mask and starting weights): run its stage first");
        var device = CliRuntime.SetUp("cpu", p.GetValue(threads));
        var progress = new ConsoleProgress(p.GetValue(json));
        var env = new RunEnvironment(Path.GetDirectoryName(dir)!, CliRuntime.DataLoader(p.GetValue(dataRoot), manifest.DataRoot, device, progress), progress, 1000,
            CliRuntime.Versions());
        using var handle = RunHandle.OpenExisting(env, dir);
        int n = p.GetValue(iterations) ?? (manifest.Hparams.Model.Model.StartsWith("lenet", StringComparison.Ordinal) ? 2000 : 100);
        double peak = Benchmark.MeasurePeakGflops();
        var speed = SparseBenchmark.Ticket(handle, stage, n, mode, peak);
        if (p.GetValue(json))
        {
            Output.Print(new JsonObject
            {
                ["run"] = Path.GetFileName(dir), ["stage"] = speed.Stage, ["percent_remaining"] = speed.PercentRemaining, ["batch_size"] = speed.BatchSize,
                ["iterations"] = speed.Iterations, ["threads"] = TorchSharp.torch.get_num_threads(), ["sparse_mode"] = speed.Mode,
                ["dense_ms_per_iteration"] = speed.Dense.MillisecondsPerIteration, ["sparse_ms_per_iteration"] = speed.Sparse.MillisecondsPerIteration,
                ["dense_eval_examples_per_second"] = speed.Dense.EvalExamplesPerSecond, ["sparse_eval_examples_per_second"] = speed.Sparse.EvalExamplesPerSecond,
                ["training_speedup"] = speed.Dense.MillisecondsPerIteration / speed.Sparse.MillisecondsPerIteration,
                ["inference_speedup"] = speed.Sparse.EvalExamplesPerSecond / speed.Dense.EvalExamplesPerSecond,
                ["sparse_layers"] = new JsonArray(speed.SparseLayers.Select(x => (JsonNode)new JsonObject { ["name"] = x.Name, ["density"] = x.Density }).ToArray()),
                ["peak_gflops"] = peak, ["dense_limit_ms"] = speed.DenseLimitMilliseconds, ["sparse_limit_ms"] = speed.SparseLimitMilliseconds,
            });
            return 0;
        }
        Console.WriteLine($"{Path.GetFileName(dir)} {speed.Stage}: {speed.PercentRemaining:0.0#}% remaining, batch {speed.BatchSize}, {speed.Iterations} iterations, " +
            $"{TorchSharp.torch.get_num_threads()} thread{(TorchSharp.torch.get_num_threads() == 1 ? "" : "s")}, --sparse {speed.Mode}");
        var table = new TextTable().Left("path").Right("ms/it").Right("test ex/s");
        table.Add("dense", $"{speed.Dense.MillisecondsPerIteration:0.000}", $"{speed.Dense.EvalExamplesPerSecond:N0}");
        table.Add("sparse", $"{speed.Sparse.MillisecondsPerIteration:0.000}", $"{speed.Sparse.EvalExamplesPerSecond:N0}");
        table.Write();
        Console.WriteLine($"training {speed.Dense.MillisecondsPerIteration / speed.Sparse.MillisecondsPerIteration:0.00}× faster, inference {speed.Sparse.EvalExamplesPerSecond / speed.Dense.EvalExamplesPerSecond:0.00}×; " +
            $"sparse layers: {(speed.SparseLayers.Count == 0 ? "none" : string.Join(", ", speed.SparseLayers.Select(x => $"{x.Name.Replace(".weight", "")} {x.Density * 100:0.0#}%")))}");
        Console.WriteLine($"their products at the peak {peak:0.0} GFLOP/s: dense {speed.DenseLimitMilliseconds:0.000} ms, sparse {speed.SparseLimitMilliseconds:0.000} ms per iteration");
        return 0;
    }

    static int Crossover(ParseResult p, Option<int?> threads, Option<bool> json)
    {
        CliRuntime.SetUp("cpu", p.GetValue(threads));
        const int batch = 60;
        var results = Shapes.Select(s => (s, SparseBenchmark.Layer(s.Out, s.In, batch, Densities))).ToList();
        if (p.GetValue(json))
        {
            Output.Print(new JsonObject
            {
                ["threads"] = TorchSharp.torch.get_num_threads(), ["batch_size"] = batch, ["vector_width"] = System.Numerics.Vector<float>.Count,
                ["crossover_density"] = global::Lottery.Sparse.Crossover.Density, ["crossover_minimum_weights"] = global::Lottery.Sparse.Crossover.MinimumWeights,
                ["layers"] = new JsonArray(results.Select(x => (JsonNode)new JsonObject
                {
                    ["layer"] = x.s.Name, ["outputs"] = x.s.Out, ["inputs"] = x.s.In,
                    ["steps"] = new JsonArray(x.Item2.Select(d => (JsonNode)new JsonObject { ["density"] = d.Density, ["dense_ms"] = d.DenseMs, ["sparse_ms"] = d.SparseMs }).ToArray()),
                }).ToArray()),
            });
            return 0;
        }
        Console.WriteLine($"one layer's training step (forward, weight and input gradients), batch {batch}, {TorchSharp.torch.get_num_threads()} thread(s), vectors of {System.Numerics.Vector<float>.Count} floats: dense ms / sparse ms");
        var table = new TextTable().Left("density");
        foreach (var (s, _) in results) table.Right(s.Name);
        foreach (var (density, i) in Densities.Select((d, i) => (d, i)))
            table.Add([$"{density * 100:0.0#}%", .. results.Select(x => $"{x.Item2[i].DenseMs:0.000}/{x.Item2[i].SparseMs:0.000}")]);
        table.Write();
        double below = global::Lottery.Sparse.Crossover.Density;
        long minimum = global::Lottery.Sparse.Crossover.MinimumWeights;
        Console.WriteLine($"auto runs a layer sparse below {below * 100:0.#}% of its weights, if it has at least {minimum:N0}");
        return 0;
    }
}
