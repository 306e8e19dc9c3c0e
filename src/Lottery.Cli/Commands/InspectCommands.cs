using System.CommandLine;
using System.Text.Json.Nodes;
using Lottery.Cluster;
using Lottery.Hparams;
using Lottery.Reports;
using Lottery.Runs;

namespace Lottery.Cli.Commands;

/// <summary>`lottery runs`, `lottery show RUN`, `lottery presets`: reading, never computing.</summary>
public static class InspectCommands
{
    public static Command Runs()
    {
        var runsDir = Flags.Text("--runs-dir", "Where run directories live (or LOTTERY_RUNS; default ./runs)");
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("runs", "List runs: model, dataset, replicates, what is done, smallest percent remaining, state") { runsDir, json };
        command.SetAction(p =>
        {
            var root = CliRuntime.RunsRoot(p.GetValue(runsDir));
            var runs = RunListing.Scan(root);
            // Runs with Slurm jobs: what the scheduler says (queued, running, failed) next to what is on disk.
            var jobs = runs.ToDictionary(r => r.Run, r => JobStatus.Of(Path.Combine(root, r.Run)));
            // "running" and "empty" say nothing the scheduler's words do not; "interrupted" or "complete" do.
            string State(RunListing r) => JobStatus.Summary(jobs[r.Run]) is not { } slurm ? r.State
                : r.State is "running" or "empty" ? slurm : $"{r.State}; {slurm}";
            if (p.GetValue(json))
            {
                Output.Print(new JsonObject
                {
                    ["runs_dir"] = root,
                    ["runs"] = new JsonArray(runs.Select(r => (JsonNode)new JsonObject
                    {
                        ["run"] = r.Run, ["kind"] = r.Kind, ["model"] = r.Model, ["dataset"] = r.Dataset, ["setup"] = r.Setup,
                        ["replicates"] = r.Replicates, ["highest_level"] = r.HighestLevel, ["targets_done"] = r.TargetsDone,
                        ["done"] = r.Done, ["smallest_percent_remaining"] = r.SmallestPercentRemaining,
                        ["diverged_stages"] = r.Diverged, ["state"] = r.State, ["stability_paths"] = r.Paths, ["stable_paths"] = r.StablePaths,
                        ["jobs"] = JobsJson(JobStatus.Latest(jobs[r.Run])),
                    }).ToArray()),
                });
                return 0;
            }
            if (runs.Count == 0) { Console.WriteLine($"no runs under {root}"); return 0; }
            // Run names cut to a prefix still name the run (any unique prefix does).
            // Runs of one kind, network and data side by side get a column saying what tells them apart; where the terminal
            // has no width for it, a line under each such run.
            bool setups = runs.Any(r => r.Setup.Length > 0);
            TextTable Table(bool setupColumn)
            {
                var t = new TextTable().Shrinkable("run", 13).Shrinkable("model", 8).Left("dataset");
                if (setupColumn) t.Left("setup");
                t.Right("reps").Shrinkable("done", 10).Right("% left").Shrinkable("state", 9);
                foreach (var r in runs)
                {
                    string[] identity = setupColumn ? [r.Run, r.Model, r.Dataset, r.Setup] : [r.Run, r.Model, r.Dataset];
                    t.Add([.. identity, $"{r.Replicates}", r.Stability.Length == 0 ? r.Done : $"{r.Done}; {r.Stability}",
                        r.SmallestPercentRemaining is double d ? $"{d:0.0}" : "",
                        r.Diverged > 0 ? $"{State(r)}, {r.Diverged} diverged" : State(r)]);
                    if (!setupColumn && setups) t.Note(r.Setup);
                }
                return t;
            }
            var table = Table(setups);
            if (setups && TextTable.TerminalWidth() is int width && table.NaturalWidth > width) table = Table(false);
            table.Write();
            return 0;
        });
        return command;
    }

    public static Command Show()
    {
        var run = new Argument<string>("run") { Description = "Run directory, name, or unique hash prefix" };
        var runsDir = Flags.Text("--runs-dir", "Where run directories live (or LOTTERY_RUNS; default ./runs)");
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var wide = new Option<bool>("--wide") { Description = "Show each statistic's min–max range over replicates (about 100 columns)" };
        var command = new Command("show", "Per level: percent remaining, early-stopping iteration, test accuracy at early stop and at the end, for the ticket and each control") { run, runsDir, json, wide };
        command.SetAction(p =>
        {
            var dir = RunCatalog.Resolve(CliRuntime.RunsRoot(p.GetValue(runsDir)), p.GetValue(run)!);
            var report = RunReport.Build(dir);
            var jobs = JobStatus.Latest(JobStatus.Of(dir));
            if (p.GetValue(json))
            {
                var o = ReportTable.ToJson(report);
                o["jobs"] = JobsJson(jobs);
                Output.Print(o);
                return 0;
            }
            ReportTable.Write(report, p.GetValue(wide));
            if (jobs.Count > 0)
            {
                Console.WriteLine();
                Console.WriteLine("Slurm jobs (the latest submission of each task; logs under the run directory):");
                var table = new TextTable().Left("job").Left("task").Left("state").Left("node").Left("detail").Left("log");
                foreach (var t in jobs)
                    table.Add(t.Kind, t.Id, t.State.ToLowerInvariant(), t.Node, t.Detail,
                        File.Exists(t.Log) ? Path.GetRelativePath(dir, t.Log) : "");   // under the run: short enough for 80 columns
                table.Write();
            }
            return 0;
        });
        return command;
    }

    static JsonArray JobsJson(IReadOnlyList<Cluster.TaskStatus> tasks) => new(tasks.Select(t => (JsonNode)new JsonObject
    {
        ["kind"] = t.Kind, ["job_id"] = t.JobId, ["task"] = t.Task, ["id"] = t.Id, ["state"] = t.State,
        ["node"] = t.Node, ["detail"] = t.Detail, ["log"] = t.Log,
    }).ToArray());

    /// <summary>The pruning of a preset in words, naming only the kinds of layer its model has.</summary>
    static string Pruning(ExperimentHparams h)
    {
        var p = h.Pruning;
        var excluded = p.ExcludeList.Count switch
        {
            0 => "",
            1 => $"; {p.ExcludeList[0].Replace(".weight", "")} dense",
            var n => $"; {n} tensors dense",
        };
        if (p.Strategy != "layerwise") return $"global {p.GlobalRate * 100:0.#}%{excluded}";
        var parts = new List<string>();
        if (!h.Model.Model.StartsWith("lenet", StringComparison.Ordinal)) parts.Add($"conv {p.ConvRate * 100:0.#}%");
        parts.Add($"fc {p.FcRate * 100:0.#}%");
        parts.Add($"output {p.OutputRate * 100:0.#}%");
        return string.Join(", ", parts) + excluded;
    }

    public static Command Presets()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("presets", "List the paper's setups with their hyperparameters") { json };
        command.SetAction(p =>
        {
            if (p.GetValue(json))
            {
                Output.Print(new JsonObject
                {
                    ["presets"] = new JsonArray(PresetRegistry.All.Select(x => (JsonNode)new JsonObject
                    {
                        ["name"] = x.Name,
                        ["description"] = x.Description,
                        ["source"] = x.Source,
                        ["hparams"] = System.Text.Json.JsonSerializer.SerializeToNode(x.Hparams, RunManifest.Json),
                    }).ToArray()),
                });
                return 0;
            }
            var table = new TextTable().Left("preset").Left("optimizer").Right("length").Right("batch").Shrinkable("pruning per round", 12);
            foreach (var x in PresetRegistry.All)
            {
                var h = x.Hparams;
                table.Add(x.Name, $"{h.Training.Optimizer} {h.Training.Lr:0.####e0}", h.Training.Iterations, $"{h.Dataset.BatchSize}", Pruning(h));
            }
            table.Write();
            Console.WriteLine("sources (`lottery presets --json` has every hyperparameter):");
            foreach (var group in PresetRegistry.All.GroupBy(x => x.Source))
            {
                var line = $"  {group.Key}: {string.Join(", ", group.Select(x => x.Name))}";
                if (line.Length <= 80) { Console.WriteLine(line); continue; }
                Console.WriteLine($"  {group.Key}:");
                var names = new System.Text.StringBuilder("   ");
                foreach (var name in group.Select(x => x.Name))
                {
                    if (names.Length + name.Length + 2 > 80) { Console.WriteLine(names.ToString().TrimEnd(',')); names.Clear().Append("   "); }
                    names.Append(' ').Append(name).Append(',');
                }
                Console.WriteLine(names.ToString().TrimEnd(','));
            }
            return 0;
        });
        return command;
    }
}
