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
    public static Command Find(SlurmFlags? slurm = null) => Create("find", RunKind.Lottery, slurm);

    public static Command OneShot(SlurmFlags? slurm = null) => Create("oneshot", RunKind.OneShot, slurm);

    /// <summary>The flags of `find` or `oneshot`, without its action: what `lottery reproduce` parses a recipe's steps
    /// with, so a step names exactly the run the same command typed by hand would.</summary>
    public sealed record Definition(Command Command, TrunkOptions Trunk, RunOptions Run, Option<int>? Levels, Option<string?>? Targets);

    public static Definition Define(RunKind kind, SlurmFlags? slurm = null)
    {
        Option<int>? levels = null;
        Option<string?>? targets = null;
        string name, description;
        if (kind == RunKind.Lottery)
        {
            levels = Flags.Integer("--levels", "Pruning rounds after the dense level 0 (LeNet: 12 reach 7.0% remaining)", 5, min: 0);
            name = "find";
            description = slurm is null ? "Find winning tickets by iterative magnitude pruning: train, prune, reset, repeat"
                : "Submit `lottery find` as a Slurm job array (one task per replicate), with chained controls and report";
        }
        else if (kind == RunKind.OneShot)
        {
            targets = Flags.Text("--targets", "Comma-separated percents of weights remaining, e.g. 51.3,21.1,7");
            targets.Required = true;
            name = "oneshot";
            description = slurm is null ? "One-shot pruning: prune straight to each target by --score (magnitude after dense training, or at initialization), reset, train"
                : "Submit `lottery oneshot` as a Slurm job array (one task per replicate)";
        }
        else throw new ArgumentOutOfRangeException(nameof(kind), kind, "find and oneshot are the trunk commands");
        var trunk = new TrunkOptions(withScores: kind == RunKind.OneShot);
        var run = new RunOptions();
        var command = new Command(name, description);
        foreach (var o in trunk.All.Concat(run.All)) command.Options.Add(o);
        if (levels is not null) command.Options.Add(levels);
        if (targets is not null) command.Options.Add(targets);
        foreach (var o in slurm?.All ?? []) command.Options.Add(o);
        return new Definition(command, trunk, run, levels, targets);
    }

    static Command Create(string name, RunKind kind, SlurmFlags? slurm)
    {
        var (command, trunk, run, levels, targets) = Define(kind, slurm);
        command.SetAction(p =>
        {
            var clock = Stopwatch.StartNew();
            var (hparams, seed, rewind) = trunk.Build(p);
            var targetList = targets is null ? null : ParseTargets(p.GetValue(targets)!);
            bool json = p.GetValue(run.Json);
            var replicates = run.ReplicateList(p) ?? [1];
            var progress = new ConsoleProgress(json);
            var env = run.Environment(p, progress);
            using var experiment = Api.Experiment.Create(env, hparams, seed, rewind);
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
