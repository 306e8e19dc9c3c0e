using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Lottery.Lottery;
using Lottery.Runs;
using Spectre.Console;

namespace Lottery.Cli.Commands;

/// <summary>`lottery train`: dense training with the paper's evaluation protocol.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var experiment = new ExperimentOptions();
        var run = new RunOptions();
        var seed = new Option<long>("--seed") { Description = "Base seed of every random stream", DefaultValueFactory = _ => 0 };
        var command = new Command("train", "Train a dense network (a preset or any flags), measuring validation and test every --eval-every iterations");
        foreach (var o in experiment.All.Concat(run.All).Append(seed)) command.Options.Add(o);
        command.SetAction(p =>
        {
            var clock = Stopwatch.StartNew();
            var hparams = experiment.Build(p);
            bool json = p.GetValue(run.Json);
            var progress = new ConsoleProgress(json);
            var env = run.Environment(p, progress);
            var replicates = run.ReplicateList(p) ?? [1];
            using var handle = RunHandle.Open(env, new RunIdentity(RunKind.Train, hparams, p.GetValue(seed), null));
            var summaries = progress.Run(() => new LotteryRunner(handle).Train(replicates));
            if (json)
            {
                var first = summaries[0];
                var obj = new JsonObject
                {
                    ["run_dir"] = handle.Layout.Root,
                    ["model"] = hparams.Model.Model,
                    ["dataset"] = hparams.Dataset.Dataset,
                    ["weights"] = new JsonObject { ["prunable"] = first.WeightsTotal, ["remaining"] = first.WeightsRemaining },
                    ["early_stop_iteration"] = first.Outcome.EarlyStopIteration,
                    ["early_stop_test_accuracy"] = first.Outcome.EarlyStopTestAccuracy,
                    ["final_test_accuracy"] = first.Outcome.FinalTestAccuracy,
                    ["final_validation_accuracy"] = first.Outcome.FinalValidationAccuracy,
                    ["elapsed_seconds"] = clock.Elapsed.TotalSeconds,
                    ["ms_per_iteration"] = summaries.Average(s => s.MillisecondsPerIteration),
                    ["replicates"] = new JsonArray(summaries.Select((s, i) => (JsonNode)WithReplicate(Output.Stage(s), replicates[i])).ToArray()),
                };
                Output.Print(obj);
            }
            else
            {
                var table = new Table().AddColumns("replicate", "early-stop it", "test acc @ early stop", "final test acc", "ms/it", "seconds");
                for (int i = 0; i < summaries.Count; i++)
                {
                    var s = summaries[i];
                    table.AddRow($"{replicates[i]}", $"{s.Outcome.EarlyStopIteration}", $"{s.Outcome.EarlyStopTestAccuracy * 100:0.00}%",
                        $"{s.Outcome.FinalTestAccuracy * 100:0.00}%", $"{s.MillisecondsPerIteration:0.000}", $"{s.Seconds:0.0}");
                }
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine(Markup.Escape($"run: {handle.Layout.Root} ({summaries[0].WeightsTotal:N0} prunable weights)"));
            }
            return 0;
        });
        return command;
    }

    static JsonObject WithReplicate(JsonObject o, int r) { o["replicate"] = r; return o; }
}
