using System.CommandLine;
using Lottery.Lottery;
using Lottery.Reports;

namespace Lottery.Cli.Commands;

/// <summary>`lottery reinit`, `lottery random-pruning`, `lottery continued`: controls attached to an existing run.</summary>
public static class ControlCommands
{
    public static IEnumerable<Command> Create() =>
    [
        Make("reinit", "Random reinitialization control: each level's mask with weights drawn afresh (seeded)", ControlKind.Reinit),
        Make("random-pruning", "Random pruning control: a random mask with each level's per-layer sparsity, original init", ControlKind.RandomPruning),
        Make("continued", "Continued training control: prune but keep training from the trained weights (no reset)", ControlKind.Continued),
    ];

    static Command Make(string name, string description, ControlKind kind)
    {
        var run = new RunOptions();
        var target = new Argument<string>("run") { Description = "Run directory, name, or unique hash prefix (see `lottery runs`)" };
        var levels = new Option<string?>("--levels") { Description = "Levels to attach to, e.g. 1-7 or 3,6 (default: every pruned level done)" };
        var draws = new Option<int>("--draws") { Description = "Reinitializations per level (the paper uses 3)", DefaultValueFactory = _ => 1 };
        var command = new Command(name, description) { target };
        foreach (var o in run.All.Append(levels)) command.Options.Add(o);
        if (kind == ControlKind.Reinit) command.Options.Add(draws);
        command.SetAction(p =>
        {
            bool json = p.GetValue(run.Json);
            var progress = new ConsoleProgress(json);
            var env = run.Environment(p, progress);
            using var handle = RunHandle.OpenExisting(env, p.GetValue(target)!);
            var replicates = run.ReplicateList(p) ?? handle.Layout.Replicates().ToList();
            if (replicates.Count == 0) throw new Runs.RunFileException($"{handle.Layout.Root} has no replicate yet: run `lottery find` first");
            var levelList = p.GetValue(levels) is { } l ? RunOptions.ParseIntList(l, "--levels", 1) : null;
            progress.Run(() => new ControlRunner(handle).Run(kind, replicates, levelList, kind == ControlKind.Reinit ? p.GetValue(draws) : 1));
            var report = RunReport.Build(handle.Layout.Root);
            if (json) Output.Print(ReportTable.ToJson(report));
            else ReportTable.Write(report);
            return 0;
        });
        return command;
    }
}
