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
    static readonly double[] Densities = [0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05, 0.036, 0.01];
    static readonly (string Name, string Preset, int Out, int In)[] Shapes =
        [("LeNet fc1", "lenet_mnist", 300, 784), ("LeNet fc2", "lenet_mnist", 100, 300), ("Conv-6 fc1", "conv6_cifar10", 256, 4096), ("Conv-4 fc1", "conv4_cifar10", 256, 8192),
         ("Conv-2 fc1", "conv2_cifar10", 256, 16384), ("Conv-2 fc2", "conv2_cifar10", 256, 256),
         ("LeNet output", "lenet_mnist", 10, 100), ("Conv-2 output", "conv2_cifar10", 10, 256)];

    /// <summary>The batch the evaluator gives <paramref name="preset"/>'s network (its inference is timed at that size).</summary>
    static int EvaluationBatch(string preset)
    {
        var h = PresetRegistry.Get(preset).Hparams;
        var spec = global::Lottery.Data.DatasetRegistry.Find(h.Dataset.Dataset)!;
        using var model = global::Lottery.Models.ModelRegistry.Create(h.Model, new global::Lottery.Models.InputShape(spec.Channels, spec.Height, spec.Width, spec.Classes));
        return model.EvaluationBatchSize;
    }

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
        var results = Shapes.Select(s => (s, Eval: EvaluationBatch(s.Preset))).Select(s => (s.s, s.Eval, Speeds: SparseBenchmark.Layer(s.s.Out, s.s.In, batch, s.Eval, Densities))).ToList();
        if (p.GetValue(json))
        {
            Output.Print(new JsonObject
            {
                ["threads"] = TorchSharp.torch.get_num_threads(), ["batch_size"] = batch, ["vector_width"] = System.Numerics.Vector<float>.Count,
                ["crossover"] = new JsonObject
                {
                    ["narrow_inputs"] = global::Lottery.Sparse.Crossover.NarrowInputs, ["narrow_density"] = global::Lottery.Sparse.Crossover.NarrowDensity,
                    ["wide_density"] = global::Lottery.Sparse.Crossover.WideDensity, ["wide_inference_density"] = global::Lottery.Sparse.Crossover.WideInferenceDensity,
                },
                ["layers"] = new JsonArray(results.Select(x => (JsonNode)new JsonObject
                {
                    ["layer"] = x.s.Name, ["outputs"] = x.s.Out, ["inputs"] = x.s.In, ["evaluation_batch_size"] = x.Eval,
                    ["steps"] = new JsonArray(x.Speeds.Select(d => (JsonNode)new JsonObject
                    {
                        ["density"] = d.Density, ["dense_ms"] = d.DenseMs, ["sparse_ms"] = d.SparseMs,
                        ["dense_inference_ms"] = d.DenseInferenceMs, ["sparse_inference_ms"] = d.SparseInferenceMs,
                    }).ToArray()),
                }).ToArray()),
            });
            return 0;
        }
        Console.WriteLine($"one layer's training step (forward, weight and input gradients, batch {batch}) and inference (forward alone, the evaluator's batch), " +
            $"{TorchSharp.torch.get_num_threads()} thread(s), vectors of {System.Numerics.Vector<float>.Count} floats; ms dense / sparse and the speed-up");
        // A table per layer, so that each fits an 80-column terminal.
        foreach (var (s, eval, speeds) in results)
        {
            Console.WriteLine();
            Console.WriteLine($"{s.Name} ({s.Out} × {s.In:N0}; inference {eval:N0} examples a batch)");
            var table = new TextTable().Right("kept").Right("step, ms").Right("speed-up").Right("inference, ms").Right("speed-up");
            foreach (var d in speeds)
                table.Add($"{d.Density * 100:0.0#}%", $"{d.DenseMs:0.000} / {d.SparseMs:0.000}", $"{d.DenseMs / d.SparseMs:0.00}×",
                    $"{d.DenseInferenceMs:0.000} / {d.SparseInferenceMs:0.000}", $"{d.DenseInferenceMs / d.SparseInferenceMs:0.00}×");
            table.Write();
        }
        Console.WriteLine(global::Lottery.Sparse.Crossover.Describe());
        return 0;
    }
}
