using System.CommandLine;
using Lottery.Lottery;
using Lottery.Hparams;
using Lottery.Reports;
using Lottery.Runs;

namespace Lottery.Cli.Commands;

/// <summary>`lottery reinit`, `lottery random-pruning`, `lottery continued`: controls attached to an existing run.</summary>
public static class ControlCommands
{
    /// <param name="slurm">For `lottery slurm`: the same commands submitting a job array instead of running.</param>
    public static IEnumerable<Command> Create(bool slurm = false) =>
    [
        Make("reinit", "Random reinitialization control: each level's mask with weights drawn afresh (seeded)", ControlKind.Reinit, slurm),
        Make("random-pruning", "Random pruning control: a random mask with each level's per-layer sparsity, original init", ControlKind.RandomPruning, slurm),
        Make("continued", "Continued training control: prune but keep training from the trained weights (no reset)", ControlKind.Continued, slurm),
    ];

    static Command Make(string name, string description, ControlKind kind, bool submit)
    {
        var slurm = submit ? new SlurmFlags(chains: false) : null;
        if (slurm is not null) description = $"Submit `lottery {name}` as a Slurm job array, each task after its replicate's queued find task succeeds";
        var run = new RunOptions();
        var target = new Argument<string>("run") { Description = "Run directory, name, or unique hash prefix (see `lottery runs`)" };
        var levels = Flags.Text("--levels", "Levels to attach to, e.g. 1-7 or 3,6 (default: every pruned level done)");
        var draws = Flags.Integer("--draws", "Reinitializations per level (the paper uses 3)", 1, min: 1);
        var command = new Command(name, description) { target };
        foreach (var o in run.All.Append(levels)) command.Options.Add(o);
        if (kind == ControlKind.Reinit) command.Options.Add(draws);
        foreach (var o in slurm?.All ?? []) command.Options.Add(o);
        command.SetAction(p =>
        {
            bool json = p.GetValue(run.Json);
            var levelList = p.GetValue(levels) is { } l ? RunOptions.ParseIntList(l, "--levels", 1) : null;
            var requested = run.ReplicateList(p);
            // Read-only checks first: nothing is written for a run, replicate or level that is not there.
            var dir = RunCatalog.Resolve(CliRuntime.RunsRoot(p.GetValue(run.RunsDir)), p.GetValue(target)!);
            var manifest = RunManifest.LoadVerified(dir);
            // Submitted, the control may wait for replicates that queued jobs have yet to create.
            if (slurm is not null) return SlurmSubmission.SubmitControl(p, slurm, run, dir, manifest, name, requested);
            var present = new RunLayout(dir).Replicates().ToList();
            if (present.Count == 0) throw new RunFileException($"{dir} has no replicate yet: run `lottery find` first");
            var absent = requested?.Except(present).ToList() ?? [];
            if (absent.Count > 0)
                throw new HparamsException($"{Path.GetFileName(dir)} has replicate{(present.Count == 1 ? "" : "s")} {string.Join(", ", present)}, not " +
                    $"{string.Join(", ", absent)}: run `lottery find --replicate {string.Join(",", absent)}` with the run's flags first, or choose from those");
            var progress = new ConsoleProgress(json);
            var env = run.Environment(p, progress, manifest.DataRoot);
            using var experiment = Api.Experiment.Open(env, dir);
            progress.Run(() => kind switch
            {
                ControlKind.Reinit => experiment.Reinit(levelList, requested ?? present, p.GetValue(draws)),
                ControlKind.RandomPruning => experiment.RandomPruning(levelList, requested ?? present),
                _ => experiment.Continued(levelList, requested ?? present),
            });
            var report = RunReport.Build(dir);
            if (json) Output.Print(ReportTable.ToJson(report));
            else ReportTable.Write(report);
            return 0;
        });
        return command;
    }
}
