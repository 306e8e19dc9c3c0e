using System.CommandLine;
using Lottery.Branches;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Reports;
using Lottery.Runs;

namespace Lottery.Cli.Commands;

/// <summary>`lottery BRANCH RUN`: one command per branch of the registry (reinit, random_pruning, continued, shuffle,
/// invert), attached to an existing run's finished stages; the same under `lottery slurm`.</summary>
public static class BranchCommands
{
    /// <summary>Spellings kept working after a branch's name became the registry's: the old command names.</summary>
    static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string> { ["random_pruning"] = "random-pruning" };

    /// <param name="slurm">For `lottery slurm`: the same commands submitting a job array instead of running.</param>
    public static IEnumerable<Command> Create(bool slurm = false) => BranchRegistry.All.Select(b => Make(b, slurm));

    /// <summary>The branch a command-line word names: its registry name or an old spelling.</summary>
    public static Branch Named(string word) =>
        BranchRegistry.Find(word) ?? BranchRegistry.All.FirstOrDefault(b => Aliases.GetValueOrDefault(b.Name) == word)
        ?? throw new HparamsException($"unknown branch '{word}': the branches are {string.Join(", ", BranchRegistry.All.Select(b => b.Name))}");

    static Command Make(Branch branch, bool submit)
    {
        var slurm = submit ? new SlurmFlags(chains: false) : null;
        var description = slurm is null ? branch.Description
            : $"Submit `lottery {branch.Name}` as a Slurm job array, each task after its replicate's queued trunk task succeeds";
        var run = new RunOptions();
        var target = new Argument<string>("run") { Description = "Run directory, name, or unique hash prefix (see `lottery runs`)" };
        var levels = Flags.Text("--levels", "Levels to attach to, e.g. 1-7 or 3,6 (iterative runs; default: every finished level it attaches to)");
        var targets = Flags.Text("--targets", "One-shot targets to attach to, e.g. 3.6 or 21.1,3.6 (one-shot runs; default: every finished target)");
        var draws = Flags.Integer("--draws", "Reinitializations per stage (the paper uses 3)", 1, min: 1);
        var rewindPoints = Flags.Text("--rewind-points", "Steps k whose weights θk the two copies start from, e.g. 0,100it,500it,2ep (default 0)");
        var points = Flags.Integer("--points", "Evenly spaced points of the linear path, endpoints included (the paper: 30)", 30, min: 1);
        var trainExamples = Flags.Integer("--train-examples", "Training examples the path is measured on: the first N of the training split (default: all)", min: 1);
        var bnStatistics = new Option<string>("--bn-statistics") { Description = "Batch norm's running statistics along the path: interpolate (with the weights) or recompute (from training batches)", DefaultValueFactory = _ => "interpolate" };
        var threshold = Flags.Number("--threshold", "Stable when the test error barrier is below this (the paper: 0.02)");
        var command = new Command(branch.Name, description) { target };
        if (Aliases.TryGetValue(branch.Name, out var alias)) command.Aliases.Add(alias);
        foreach (var o in run.All.Append(levels).Append(targets)) command.Options.Add(o);
        if (branch.Options.Contains(BranchOptions.DrawsOption)) command.Options.Add(draws);
        bool stability = branch.Options.Contains(BranchOptions.StabilityOptions);
        if (stability) foreach (var o in new Option[] { rewindPoints, points, trainExamples, bnStatistics, threshold }) command.Options.Add(o);
        foreach (var o in slurm?.All ?? []) command.Options.Add(o);
        command.SetAction(p =>
        {
            bool json = p.GetValue(run.Json);
            var levelList = p.GetValue(levels) is { } l ? RunOptions.ParseIntList(l, "--levels", 0) : null;
            var targetList = p.GetValue(targets) is { } t ? LotteryCommands.ParseTargets(t) : null;
            var options = new BranchOptions(branch.Options.Contains(BranchOptions.DrawsOption) ? p.GetValue(draws) : 1);
            if (stability)
                options = options with
                {
                    RewindPoints = p.GetValue(rewindPoints) is { } ks ? ks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null,
                    Points = p.GetValue(points),
                    TrainExamples = p.GetValue(trainExamples),
                    BatchNormStatistics = p.GetValue(bnStatistics)!,
                    Threshold = p.GetValue(threshold) ?? options.Threshold,
                };
            var requested = run.ReplicateList(p);
            // Read-only checks first: nothing is written for a run, replicate or stage that is not there.
            var dir = RunCatalog.Resolve(CliRuntime.RunsRoot(p.GetValue(run.RunsDir)), p.GetValue(target)!);
            var manifest = RunManifest.LoadVerified(dir);
            if (levelList is not null && targetList is not null) throw new HparamsException("--levels and --targets both choose stages: a run has levels or targets, give the one it has");
            // Submitted, the branch may wait for replicates that queued jobs have yet to create.
            if (slurm is not null) return SlurmSubmission.SubmitControl(p, slurm, run, dir, manifest, branch.Name, requested);
            var present = new RunLayout(dir).Replicates().ToList();
            if (present.Count == 0) throw new RunFileException($"{dir} has no replicate yet: run `lottery {(manifest.Kind == "oneshot" ? "oneshot" : "find")}` first");
            var absent = requested?.Except(present).ToList() ?? [];
            if (absent.Count > 0)
                throw new HparamsException($"{Path.GetFileName(dir)} has replicate{(present.Count == 1 ? "" : "s")} {string.Join(", ", present)}, not " +
                    $"{string.Join(", ", absent)}: run `lottery {(manifest.Kind == "oneshot" ? "oneshot" : "find")} --replicate {string.Join(",", absent)}` with the run's flags first, or choose from those");
            var progress = new ConsoleProgress(json);
            var env = run.Environment(p, progress, manifest.DataRoot);
            using var experiment = Api.Experiment.Open(env, dir);
            progress.Run(() => experiment.Branch(branch.Name, levelList, targetList, requested ?? present, options));
            var report = RunReport.Build(dir);
            if (json) Output.Print(ReportTable.ToJson(report));
            else ReportTable.Write(report);
            return 0;
        });
        return command;
    }
}
