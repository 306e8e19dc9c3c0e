using System.CommandLine;
using System.Text.Json.Nodes;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Training;

namespace Lottery.Cli.Commands;

/// <summary>`lottery bench`: training and evaluation speed of each model at its paper batch size.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var presets = new Option<string>("--presets") { Description = "Comma-separated presets to measure", DefaultValueFactory = _ => "lenet_mnist,conv2_cifar10,conv4_cifar10,conv6_cifar10,resnet20_warmup_cifar10,vgg19_warmup_cifar10" };
        var iterations = Flags.Integer("--iterations", "Timed iterations per model (default: 2000 for LeNet, 60 for the conv nets and ResNets, 20 for VGG)", min: 10);
        var threads = Flags.Integer("--threads", "Intra-op threads (default: all cores)", min: 1);
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var run = Flags.Text("--run", "Ticket mode: a run (directory, name or hash prefix) whose ticket is timed dense against sparse");
        var level = Flags.Integer("--level", "Ticket mode: the level of an iterative run", min: 0);
        var target = Flags.Number("--target", "Ticket mode: the one-shot target (percent remaining) of a one-shot run");
        var replicate = Flags.Integer("--replicate", "Ticket mode: the replicate (default 1)", min: 1);
        var sparse = new Option<string>("--sparse") { Description = "Ticket mode: the sparse path's layer choice, auto or on (default auto)", DefaultValueFactory = _ => "auto" };
        var crossover = new Option<bool>("--crossover") { Description = "Time one layer's training step dense against sparse at densities 50% to 0.5% for LeNet's and Conv-2's fc shapes: where sparse begins to win" };
        var runsDir = Flags.Text("--runs-dir", "Where run directories live (or LOTTERY_RUNS; default ./runs)");
        var dataRoot = Flags.Text("--data-root", "Where the ticket's data is (default: where its run found it)");
        var command = new Command("bench", "Training iterations per second, evaluation throughput and share of peak for each model (synthetic data); " +
            "with --run, a ticket dense against sparse; with --crossover, where sparse kernels begin to win")
            { presets, iterations, threads, json, run, level, target, replicate, sparse, crossover, runsDir, dataRoot };
        command.SetAction(p =>
        {
            if (p.GetValue(run) is not null || p.GetValue(crossover))
                return SparseBench.Run(p, run, level, target, replicate, sparse, crossover, iterations, threads, json, runsDir, dataRoot, presets);
            var names = p.GetValue(presets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names.Length == 0) throw new HparamsException("--presets names no preset: `lottery presets` lists them");
            foreach (var name in names) PresetRegistry.Get(name);   // every name checked before minutes of measuring
            CliRuntime.SetUp("cpu", p.GetValue(threads));
            double peak = Benchmark.MeasurePeakGflops();
            var results = new List<BenchmarkResult>();
            foreach (var name in names)
            {
                var preset = PresetRegistry.Get(name);
                var spec = DatasetRegistry.Get(preset.Hparams.Dataset.Dataset);
                var model = preset.Hparams.Model.Model;
                int n = p.GetValue(iterations) ?? (model.StartsWith("lenet") ? 2000 : model.StartsWith("vgg") ? 20 : 60);
                if (n < 10) throw new HparamsException($"--iterations must be at least 10 (got {n})");
                if (!p.GetValue(json)) Console.Error.WriteLine($"measuring {name} ({n} iterations)…");
                results.Add(Benchmark.Run(preset.Hparams, spec, n, Path.Combine(Path.GetTempPath(), $"lottery-bench-{Environment.ProcessId}"), peak));
            }
            // Recorded for `lottery reproduce --list`, which projects a recipe's time from this machine's speed.
            Reproduce.BenchCache.Record(results, TorchSharp.torch.get_num_threads());
            if (p.GetValue(json))
            {
                Output.Print(new JsonObject
                {
                    ["threads"] = TorchSharp.torch.get_num_threads(),
                    ["peak_gflops"] = peak,
                    ["models"] = new JsonArray(results.Select(r => (JsonNode)new JsonObject
                    {
                        ["model"] = r.Model, ["batch_size"] = r.BatchSize, ["iterations"] = r.Iterations,
                        ["ms_per_iteration"] = r.MillisecondsPerIteration, ["iterations_per_second"] = r.IterationsPerSecond,
                        ["eval_examples_per_second"] = r.EvalExamplesPerSecond, ["train_flops_per_iteration"] = r.TrainFlopsPerIteration,
                        ["train_gflops"] = r.TrainGflops, ["share_of_peak"] = r.ShareOfPeak,
                        ["eval_cost_per_train_cost"] = r.EvalCostPerTrainCost, ["minor_page_faults"] = r.MinorPageFaults,
                        ["system_seconds"] = r.SystemSeconds, ["user_seconds"] = r.UserSeconds,
                    }).ToArray()),
                });
                return 0;
            }
            var table = new TextTable().Left("model").Right("batch").Right("ms/it").Right("eval ex/s").Right("eval/train")
                .Right("GFLOP/s").Right("of peak").Right("page faults").Right("sys s").Right("user s");
            foreach (var r in results)
                table.Add(r.Model, $"{r.BatchSize}", $"{r.MillisecondsPerIteration:0.00}", $"{r.EvalExamplesPerSecond:N0}",
                    $"{r.EvalCostPerTrainCost:0.00}", $"{r.TrainGflops:0.0}", $"{r.ShareOfPeak * 100:0}%", $"{r.MinorPageFaults:N0}",
                    $"{r.SystemSeconds:0.0}", $"{r.UserSeconds:0.0}");
            table.Write();
            Console.WriteLine($"threads {TorchSharp.torch.get_num_threads()}; peak = best float32 matmul rate (512² to 4096²), {peak:0.0} GFLOP/s;");
            Console.WriteLine("eval/train = cost of evaluating one example over training on one; faults and times: the whole measurement");
            Console.WriteLine("allocator: " + global::Lottery.Native.AllocatorTuning.Status);
            return 0;
        });
        return command;
    }
}
