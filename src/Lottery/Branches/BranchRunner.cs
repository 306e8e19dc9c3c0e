using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Runs;

namespace Lottery.Branches;

/// <summary>
/// Attaches a branch to finished trunk stages of a run without recomputing them: the stages asked for (levels of an
/// iterative run, targets of a one-shot run; by default every finished stage the branch attaches to) are checked to be
/// there before anything is locked or written, then each instance runs in STAGE/branches/NAME.
/// </summary>
public sealed class BranchRunner(RunHandle run)
{
    /// <param name="levels">Levels to attach to (iterative and dense runs); null = every finished one it attaches to.</param>
    /// <param name="targets">One-shot targets to attach to (percent remaining); null = every finished one.</param>
    public IReadOnlyList<StageSummary> Run(Branch branch, IReadOnlyList<int> replicates, IReadOnlyList<int>? levels, IReadOnlyList<double>? targets,
        BranchOptions? options = null)
    {
        options ??= new BranchOptions();
        if (options.Draws < 1) throw new HparamsException($"draws must be at least 1 (got {options.Draws})", "branch.draws");
        branch.Validate(run, options);
        var kind = run.Identity.Kind;
        if (levels is not null && kind == RunKind.OneShot)
            throw new HparamsException($"{Path.GetFileName(run.Layout.Root)} is a one-shot run: its stages are targets, not levels (choose them by target percent)", "branch.levels");
        if (targets is not null && kind != RunKind.OneShot)
            throw new HparamsException($"{Path.GetFileName(run.Layout.Root)} is a {kind.Prefix()} run: its stages are levels, not one-shot targets", "branch.targets");
        var work = new List<(BranchContext Context, string Instance)>();
        foreach (var r in replicates)
        {
            var done = run.Layout.TrunkStages(r).Where(s => StageSummary.TryLoad(s.Directory) is not null).ToList();
            var eligible = done.Where(s => branch.Refuses(run, s) is null).ToList();
            List<StageLocation> chosen;
            if (levels is null && targets is null)
            {
                if (eligible.Count == 0)
                    throw new RunFileException(done.Count == 0 || done.All(s => s.Level == 0)
                        ? $"replicate {r} of {Path.GetFileName(run.Layout.Root)} has no finished pruned stage yet: run `lottery {(kind == RunKind.OneShot ? "oneshot" : "find")}` first"
                        : $"replicate {r} of {Path.GetFileName(run.Layout.Root)} has no stage {branch.Name} attaches to: {branch.Refuses(run, done[^1])}");
                chosen = eligible;
            }
            else
            {
                chosen = [];
                var missing = new List<string>();
                foreach (var l in levels ?? [])
                    if (done.FirstOrDefault(s => s.Level == l) is { } s) chosen.Add(s); else missing.Add($"{l}");
                foreach (var t in targets ?? [])
                    if (done.FirstOrDefault(s => s.Target is double p && Math.Abs(p - t) < 1e-9) is { } s) chosen.Add(s); else missing.Add(RunLayout.FormatPercent(t) + "%");
                if (missing.Count > 0)
                    throw new RunFileException(levels is not null
                        ? $"replicate {r} has no level {string.Join(", ", missing)} yet: extend the run with `lottery find --levels N` first"
                        : $"replicate {r} has no finished one-shot target {string.Join(", ", missing)}: it has {Targets(done)}");
                foreach (var s in chosen)
                    if (branch.Refuses(run, s) is { } why) throw new HparamsException(why);
            }
            foreach (var stage in chosen)
            {
                var mask = WeightsIO.LoadMask(Path.Combine(stage.Directory, StageFiles.Mask));
                var context = new BranchContext(run, stage, mask, run.SeedsFor(r));
                foreach (var instance in branch.Instances(options)) work.Add((context, instance));
            }
        }
        // Locked only once every replicate and stage asked for is known to be there: a refused command writes nothing.
        // Each instance's directory is locked, not the replicate: the trunk and the replicate's other branches go on beside it.
        foreach (var (context, instance) in work) run.ClaimBranch(RunLayout.Branch(context.Stage.Directory, instance));
        var summaries = new List<StageSummary>();
        int index = 0;
        foreach (var (context, instance) in work)
            summaries.AddRange(branch.Run(context, instance, options, ++index, work.Count));
        return summaries;
    }

    static string Targets(IEnumerable<StageLocation> stages)
    {
        var list = stages.Where(s => s.Target is not null).Select(s => RunLayout.FormatPercent(s.Target!.Value) + "%").ToList();
        return list.Count == 0 ? "none finished yet" : string.Join(", ", list);
    }
}
