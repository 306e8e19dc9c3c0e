using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Lottery.Lottery;
using Lottery.Runs;

namespace Lottery.Cli.Commands;

/// <summary>`lottery train`: dense training with the paper's evaluation protocol.</summary>
public static class TrainCommand
{
    /// <param name="slurm">Set for `lottery slurm train`: the same flags plus Slurm's, submitting jobs instead of training.</param>
    public static Command Create(SlurmFlags? slurm = null)
    {
        var options = new ExperimentOptions();
        var run = new RunOptions();
        var seed = Flags.Long("--seed", "Base seed of every random stream", 0);
        var command = new Command("train", slurm is null ? "Train a dense network (a preset or any flags), measuring validation and test every --eval-every iterations"
            : "Submit `lottery train` as a Slurm job array (one task per replicate)");
        foreach (var o in options.All.Concat(run.All).Append(seed).Concat(slurm?.All ?? [])) command.Options.Add(o);
        command.SetAction(p =>
        {
            var clock = Stopwatch.StartNew();
            var hparams = options.Build(p);
            bool json = p.GetValue(run.Json);
            var replicates = run.ReplicateList(p) ?? [1];
            var progress = new ConsoleProgress(json);
            var env = run.Environment(p, progress);
            using var experiment = Api.Experiment.Create(env, hparams, p.GetValue(seed), null);
            if (slurm is not null) return SlurmSubmission.SubmitExperiment(p, slurm, run, experiment, RunKind.Train, "train", replicates);
            var runDirectory = experiment.RunDirectory(RunKind.Train);
            var summaries = progress.Run(() => experiment.Train(replicates));
            if (json)
            {
                var first = summaries[0];
                var obj = new JsonObject
                {
                    ["run_dir"] = runDirectory,
                    ["model"] = hparams.Model.Model,
                    ["dataset"] = hparams.Dataset.Dataset,
                    ["weights"] = new JsonObject { ["prunable"] = first.WeightsTotal, ["remaining"] = first.WeightsRemaining },
                    ["early_stop_iteration"] = first.Outcome.EarlyStopIteration,
                    ["early_stop_test_accuracy"] = first.Outcome.EarlyStopTestAccuracy,
                    ["final_test_accuracy"] = first.Outcome.FinalTestAccuracy,
                    ["final_validation_accuracy"] = first.Outcome.FinalValidationAccuracy,
                    ["diverged_at"] = first.Outcome.DivergedAt,
                    ["elapsed_seconds"] = clock.Elapsed.TotalSeconds,
                    ["ms_per_iteration"] = summaries.Average(s => s.MillisecondsPerIteration),
                    ["replicates"] = new JsonArray(summaries.Select((s, i) => (JsonNode)WithReplicate(Output.Stage(s), replicates[i])).ToArray()),
                };
                Output.Print(obj);
            }
            else
            {
                bool diverged = summaries.Any(s => s.Outcome.Diverged);
                var table = new TextTable().Right("replicate").Right("early-stop it").Right("test acc @ es").Right("final test acc")
                    .Right("ms/it").Right("seconds");
                if (diverged) table.Left("note");
                for (int i = 0; i < summaries.Count; i++)
                {
                    var s = summaries[i];
                    var cells = new List<string> { $"{replicates[i]}", $"{s.Outcome.EarlyStopIteration}", $"{s.Outcome.EarlyStopTestAccuracy * 100:0.00}%",
                        $"{s.Outcome.FinalTestAccuracy * 100:0.00}%", $"{s.MillisecondsPerIteration:0.000}", $"{s.Seconds:0.0}" };
                    if (diverged) cells.Add(s.Outcome.DivergedAt is int at ? $"diverged at {at}" : "");
                    table.Add(cells.ToArray());
                }
                table.Write();
                Console.WriteLine($"run: {runDirectory} ({summaries[0].WeightsTotal:N0} prunable weights)");
            }
            return 0;
        });
        return command;
    }

    static JsonObject WithReplicate(JsonObject o, int r) { o["replicate"] = r; return o; }
}
