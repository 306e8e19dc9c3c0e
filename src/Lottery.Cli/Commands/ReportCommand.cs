using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Lottery.Hparams;
using Lottery.Reports;
using Lottery.Runs;

namespace Lottery.Cli.Commands;

/// <summary>`lottery report RUN... --out DIR`: the paper's figures, tables and a summary of any set of runs, as
/// images, Markdown/CSV/JSON and one self-contained HTML page.</summary>
public static class ReportCommand
{
    /// <param name="slurm">For `lottery slurm report`: the same flags, submitting the report as a job after the runs' jobs.</param>
    public static Command Create(SlurmFlags? slurm = null)
    {
        var runs = new Argument<string[]>("runs") { Description = "Run directories, names or hash prefixes (see `lottery runs`); none: every run the filters select", Arity = ArgumentArity.ZeroOrMore };
        var output = Flags.Text("--out", "Directory to write report.html, summary.md, table.md/.csv/.json and figures/ into (created)");
        var model = Flags.Text("--model", "Select runs of this model (e.g. lenet_300_100, conv2)");
        var dataset = Flags.Text("--dataset", "Select runs on this dataset (mnist, fashion-mnist, cifar10)");
        var preset = Flags.Text("--preset", "Select runs whose hyperparameters are exactly this preset's (see `lottery presets`)");
        var levels = Flags.Text("--curve-levels", "Percents remaining whose training curves are drawn (the nearest level run); default 100,51.3,21.1,7,3.6,1.9");
        var criterion = new Option<string>("--criterion") { Description = "Early-stop criterion of the summary: loss (minimum validation loss, the paper's) or accuracy (maximum validation accuracy); figures and tables show both", DefaultValueFactory = _ => "loss" };
        var noTrain = new Option<bool>("--no-train-accuracy") { Description = "Do not measure the final weights' training accuracy where a stage lacks it (it needs the data)" };
        var run = new RunOptions();
        var command = new Command("report", "Figures, tables and a summary of runs: PNG/SVG figures, Markdown/CSV/JSON tables, one self-contained HTML page")
            { runs, output, model, dataset, preset, levels, criterion, noTrain, run.DataRoot, run.RunsDir, run.Threads, run.Json };
        if (slurm is not null) command.Description = "Submit `lottery report` as a Slurm job that starts after every queued or running job of the runs ends";
        foreach (var o in slurm?.All ?? []) command.Options.Add(o);
        command.SetAction(p =>
        {
            bool json = p.GetValue(run.Json);
            var outDir = p.GetValue(output) ?? throw new HparamsException("--out is missing: give the directory to write the report into, e.g. --out report");
            if (File.Exists(outDir)) throw new HparamsException($"--out {outDir} is a file: give a directory");
            var c = p.GetValue(criterion) switch
            {
                "loss" => EarlyStopCriterion.ValidationLoss,
                "accuracy" => EarlyStopCriterion.ValidationAccuracy,
                var other => throw new HparamsException($"--criterion '{other}': use loss or accuracy"),
            };
            IReadOnlyList<double>? curve = p.GetValue(levels) is { } text ? ParsePercents(text) : null;
            var root = CliRuntime.RunsRoot(p.GetValue(run.RunsDir));
            if (slurm is not null)
            {
                if ((p.GetValue(runs) ?? []).Length == 0 && p.GetValue(model) is null && p.GetValue(dataset) is null && p.GetValue(preset) is null)
                    throw new HparamsException("name the runs to report (directories, names or hash prefixes) or select them with --model, --dataset or --preset");
                return SlurmSubmission.SubmitReport(p, slurm, run, root, p.GetValue(runs) ?? [], outDir, output);
            }
            var selected = Select(root, p.GetValue(runs) ?? [], p.GetValue(model), p.GetValue(dataset), p.GetValue(preset));

            var progress = new ConsoleProgress(json);
            TrainAccuracy? meter = null;
            if (!p.GetValue(noTrain))
            {
                var device = CliRuntime.SetUp("cpu", p.GetValue(run.Threads));
                meter = new TrainAccuracy(m => CliRuntime.DataLoader(p.GetValue(run.DataRoot), m.DataRoot, device, progress)(m.Hparams.Dataset));
            }
            Report report;
            using (meter)
                report = Report.Build(selected, meter, progress.OnMessage, curve, c);
            var written = ReportWriter.Write(report, outDir);
            var page = Path.GetFullPath(Path.Combine(outDir, "report.html"));
            if (json)
            {
                var o = ReportWriter.Json(report);
                o["report"] = page;
                o["files"] = new JsonArray(written.Select(w => (JsonNode)Path.GetFullPath(w)).ToArray());
                Output.Print(o);
                return 0;
            }
            foreach (var e in report.Experiments)
                Console.WriteLine($"{e.Run}: {e.Label}, {e.Replicates} replicate{(e.Replicates == 1 ? "" : "s")}, {e.Stages.Count} finished stage{(e.Stages.Count == 1 ? "" : "s")}" +
                    (e.Running ? " (still running: finished stages only)" : e.Unfinished.Count > 0 ? $" ({e.Unfinished.Count} unfinished, not shown)" : ""));
            Console.Write(ReportWriter.SummaryMarkdown(report).Replace("### ", ""));
            Console.WriteLine($"{report.Figures.Count} figures (PNG and SVG), tables and the page written to {Path.GetFullPath(outDir)}: open {page}");
            return 0;
        });
        return command;
    }

    static IReadOnlyList<double> ParsePercents(string text)
    {
        var list = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v <= 0 || v > 100)
                throw new HparamsException($"--curve-levels: '{part}' is not a percent in (0, 100]: write e.g. 100,51.3,21.1");
            list.Add(v);
        }
        if (list.Count == 0) throw new HparamsException("--curve-levels names nothing: write e.g. 100,51.3,21.1");
        return list;
    }

    /// <summary>The named runs (each resolved as `show` resolves one), or every run under the root when none is
    /// named, narrowed by the filters; an empty selection is an error that says what was looked at.</summary>
    static IReadOnlyList<string> Select(string root, IReadOnlyList<string> named, string? model, string? dataset, string? presetName)
    {
        var preset = presetName is null ? null : PresetRegistry.Get(presetName);
        if (named.Count == 0 && model is null && dataset is null && preset is null)
            throw new HparamsException("name the runs to report (directories, names or hash prefixes) or select them with --model, --dataset or --preset");
        var candidates = named.Count > 0 ? named.Select(n => RunCatalog.Resolve(root, n)).Distinct().ToList() : RunCatalog.List(root).ToList();
        if (candidates.Count == 0) throw new RunFileException($"no runs under {root}: pass --runs-dir, or run an experiment first");
        string? presetJson = preset is null ? null : System.Text.Json.JsonSerializer.Serialize(preset.Hparams, RunManifest.Json);
        var selected = candidates.Where(dir =>
        {
            if (model is null && dataset is null && preset is null) return true;
            RunManifest m;
            try { m = RunManifest.LoadVerified(dir); }
            catch (RunFileException) when (named.Count == 0) { return false; } // a damaged run the filters did not name is skipped; `lottery runs` flags it
            return (model is null || m.Hparams.Model.Model == model)
                && (dataset is null || m.Hparams.Dataset.Dataset == dataset)
                && (presetJson is null || System.Text.Json.JsonSerializer.Serialize(m.Hparams, RunManifest.Json) == presetJson);
        }).ToList();
        if (selected.Count == 0)
        {
            var filters = string.Join(", ", new[] { model is null ? null : $"model {model}", dataset is null ? null : $"dataset {dataset}", presetName is null ? null : $"preset {presetName}" }.OfType<string>());
            throw new RunFileException($"no run under {root} matches {filters}: `lottery runs` lists what is there");
        }
        return selected;
    }
}
