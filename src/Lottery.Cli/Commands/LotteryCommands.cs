using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Reports;
using Lottery.Runs;

namespace Lottery.Cli.Commands;

/// <summary>`lottery find` (iterative pruning) and `lottery oneshot`.</summary>
public static class LotteryCommands
{
    /// <param name="slurm">Set for `lottery slurm find`: the same flags plus Slurm's, submitting jobs instead of training.</param>
    public static Command Find(SlurmFlags? slurm = null)
    {
        var levels = Flags.Integer("--levels", "Pruning rounds after the dense level 0 (LeNet: 12 reach 7.0% remaining)", 5, min: 0);
        return Create("find", slurm is null ? "Find winning tickets by iterative magnitude pruning: train, prune, reset, repeat"
            : "Submit `lottery find` as a Slurm job array (one task per replicate), with chained controls and report", RunKind.Lottery, levels, null, slurm);
    }

    public static Command OneShot(SlurmFlags? slurm = null)
    {
        var targets = Flags.Text("--targets", "Comma-separated percents of weights remaining, e.g. 51.3,21.1,7");
        targets.Required = true;
        return Create("oneshot", slurm is null ? "One-shot pruning: prune straight to each target by --score (magnitude after dense training, or at initialization), reset, train"
            : "Submit `lottery oneshot` as a Slurm job array (one task per replicate)", RunKind.OneShot, null, targets, slurm);
    }

    static Command Create(string name, string description, RunKind kind, Option<int>? levels, Option<string?>? targets, SlurmFlags? slurm)
    {
        var options = new ExperimentOptions();
        var scores = targets is null ? null : new ScoreOptions();
        var run = new RunOptions();
        var seed = Flags.Long("--seed", "Base seed of every random stream", 0);
        var rewind = Flags.Text("--rewind", "Reset survivors to their weights after this step of dense training (late resetting), e.g. 500it");
        var command = new Command(name, description);
        foreach (var o in options.All.Concat(run.All).Append(seed).Append(rewind)) command.Options.Add(o);
        if (levels is not null) command.Options.Add(levels);
        if (targets is not null) command.Options.Add(targets);
        foreach (var o in scores?.All ?? []) command.Options.Add(o);
        foreach (var o in slurm?.All ?? []) command.Options.Add(o);
        command.SetAction(p =>
        {
            var clock = Stopwatch.StartNew();
            var hparams = options.Build(p);
            if (scores?.Build(p) is { } score) hparams = hparams with { Pruning = hparams.Pruning with { Score = score } };
            var targetList = targets is null ? null : ParseTargets(p.GetValue(targets)!);
            bool json = p.GetValue(run.Json);
            var replicates = run.ReplicateList(p) ?? [1];
            var progress = new ConsoleProgress(json);
            var env = run.Environment(p, progress);
            using var experiment = Api.Experiment.Create(env, hparams, p.GetValue(seed), p.GetValue(rewind));
            if (slurm is not null) return SlurmSubmission.SubmitExperiment(p, slurm, run, experiment, kind, name, replicates);
            var runDirectory = experiment.RunDirectory(kind);
            progress.Run(() => kind == RunKind.Lottery
                ? experiment.Find(p.GetValue(levels!), replicates)
                : experiment.OneShot(targetList!, replicates));
            var report = RunReport.Build(runDirectory);
            if (json)
            {
                var obj = ReportTable.ToJson(report);
                obj["run_dir"] = runDirectory;
                obj["elapsed_seconds"] = clock.Elapsed.TotalSeconds;
                Output.Print(obj);
            }
            else
            {
                ReportTable.Write(report);
                Console.WriteLine($"run: {runDirectory}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>"51.3,21.1,7" → the percents remaining, largest first, each in (0, 100).</summary>
    public static IReadOnlyList<double> ParseTargets(string text)
    {
        var list = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v > 0 && v < 100))
                throw new HparamsException($"malformed --targets '{text}': write percents remaining in (0, 100), e.g. 51.3,21.1,7");
            list.Add(v);
        }
        if (list.Count == 0) throw new HparamsException("--targets names no target");
        return list.Distinct().OrderByDescending(v => v).ToList();
    }
}
