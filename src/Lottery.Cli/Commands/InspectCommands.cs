using System.CommandLine;
using System.Text.Json.Nodes;
using Lottery.Hparams;
using Lottery.Reports;
using Lottery.Runs;
using Spectre.Console;

namespace Lottery.Cli.Commands;

/// <summary>`lottery runs`, `lottery show RUN`, `lottery presets`: reading, never computing.</summary>
public static class InspectCommands
{
    public static Command Runs()
    {
        var runsDir = new Option<string?>("--runs-dir") { Description = "Where run directories live (or LOTTERY_RUNS; default ./runs)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("runs", "List runs: model, dataset, levels done, smallest percent remaining, state") { runsDir, json };
        command.SetAction(p =>
        {
            var root = CliRuntime.RunsRoot(p.GetValue(runsDir));
            var runs = RunListing.Scan(root);
            if (p.GetValue(json))
            {
                Output.Print(new JsonObject
                {
                    ["runs_dir"] = root,
                    ["runs"] = new JsonArray(runs.Select(r => (JsonNode)new JsonObject
                    {
                        ["run"] = r.Run, ["kind"] = r.Kind, ["model"] = r.Model, ["dataset"] = r.Dataset,
                        ["replicates"] = r.Replicates, ["levels_done"] = r.LevelsDone,
                        ["smallest_percent_remaining"] = r.SmallestPercentRemaining, ["state"] = r.State,
                    }).ToArray()),
                });
                return 0;
            }
            if (runs.Count == 0) { Console.WriteLine($"no runs under {root}"); return 0; }
            var table = new Table().AddColumns("run", "kind", "model", "dataset", "replicates", "levels done", "smallest % remaining", "state");
            foreach (var r in runs)
                table.AddRow(Markup.Escape(r.Run), r.Kind, r.Model, r.Dataset, $"{r.Replicates}", $"{r.LevelsDone}",
                    r.SmallestPercentRemaining is double d ? $"{d:0.0}" : "", r.State);
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    public static Command Show()
    {
        var run = new Argument<string>("run") { Description = "Run directory, name, or unique hash prefix" };
        var runsDir = new Option<string?>("--runs-dir") { Description = "Where run directories live (or LOTTERY_RUNS; default ./runs)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("show", "Per level: percent remaining, early-stopping iteration, test accuracy at early stop and at the end, for the ticket and each control") { run, runsDir, json };
        command.SetAction(p =>
        {
            var dir = RunCatalog.Resolve(CliRuntime.RunsRoot(p.GetValue(runsDir)), p.GetValue(run)!);
            var report = RunReport.Build(dir);
            if (p.GetValue(json)) Output.Print(ReportTable.ToJson(report));
            else ReportTable.Write(report);
            return 0;
        });
        return command;
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
                        ["hparams"] = System.Text.Json.JsonSerializer.SerializeToNode(x.Hparams, RunManifest.Json),
                    }).ToArray()),
                });
                return 0;
            }
            var table = new Table().AddColumns("preset", "dataset", "model", "optimizer", "lr", "iterations", "batch", "pruning per round");
            foreach (var x in PresetRegistry.All)
            {
                var h = x.Hparams;
                var pr = h.Pruning.Strategy == "layerwise"
                    ? $"layer-wise: conv {h.Pruning.ConvRate * 100:0.#}%, fc {h.Pruning.FcRate * 100:0.#}%, output {h.Pruning.OutputRate * 100:0.#}%"
                    : $"global {h.Pruning.GlobalRate * 100:0.#}%";
                table.AddRow(x.Name, h.Dataset.Dataset, h.Model.Model + (h.Model.Dropout > 0 ? $" (dropout {h.Model.Dropout})" : ""),
                    h.Training.Optimizer, $"{h.Training.Lr:0.####e0}", h.Training.Iterations, $"{h.Dataset.BatchSize}", pr);
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
