using Lottery.Lottery;
using Lottery.Runs;

namespace Lottery.Reports;

/// <summary>A line of `lottery runs`: what a run directory holds and how far it got.</summary>
/// <param name="HighestLevel">The last level L such that levels 0..L are finished in every replicate (null: none).</param>
/// <param name="TargetsDone">One-shot targets finished in every replicate.</param>
/// <param name="Diverged">Finished stages (trunk levels and targets) whose training diverged.</param>
/// <param name="Paths">Measured instability analyses (stability branches), and how many of them are stable.</param>
/// <param name="FinishedStages">Finished trunk stages (levels and targets) over all replicates.</param>
public sealed record RunListing(string Run, string Kind, string Model, string Dataset, int Replicates, int? HighestLevel,
    int TargetsDone, double? SmallestPercentRemaining, int Diverged, string State, int Paths = 0, int StablePaths = 0, int FinishedStages = 0)
{
    /// <summary>What is done, in words: "levels 0–3", "dense + 2 targets", "2 targets" (pruned at initialization), "dense",
    /// "5 stages" (finished stages, where no level is finished in every replicate yet), "nothing".</summary>
    public string Done => Kind == "oneshot" && TargetsDone > 0
        ? (HighestLevel is null ? "" : "dense + ") + $"{TargetsDone} target{(TargetsDone == 1 ? "" : "s")}"
        : HighestLevel is not int h ? (FinishedStages > 0 ? $"{FinishedStages} stage{(FinishedStages == 1 ? "" : "s")}" : "nothing")
        : Kind == "train" || h == 0 ? "dense"
        : $"levels 0–{h}";

    /// <summary>The instability analyses in words: "4 paths, 3 stable" (empty when none).</summary>
    public string Stability => Paths == 0 ? "" : $"{Paths} path{(Paths == 1 ? "" : "s")}, {StablePaths} stable";

    public static IReadOnlyList<RunListing> Scan(string runsRoot) => RunCatalog.List(runsRoot).Select(dir =>
    {
        var name = Path.GetFileName(dir);
        RunManifest manifest;
        try { manifest = RunManifest.LoadVerified(dir); }
        catch (RunFileException) { return new RunListing(name, "?", "?", "?", 0, null, 0, null, 0, "damaged manifest (`lottery show` says why)"); }
        var layout = new RunLayout(dir);
        var replicates = layout.Replicates().ToList();
        // Summaries are read once: per replicate, its levels and one-shot targets.
        var levels = replicates.ToDictionary(r => r, r => layout.Levels(r).ToDictionary(l => l, l => SafeSummary(layout.Level(r, l))));
        var targets = replicates.ToDictionary(r => r, r => layout.Targets(r).Select(t => SafeSummary(t.Directory)).ToList());
        var all = levels.Values.SelectMany(l => l.Values).Concat(targets.Values.SelectMany(t => t)).ToList();
        var done = all.OfType<StageSummary>().ToList();
        int? highest = null;
        if (replicates.Count > 0)
            for (int l = 0; replicates.All(r => levels[r].GetValueOrDefault(l) is not null); l++) highest = l;
        int targetsDone = replicates.Count == 0 ? 0 : targets.Values.Min(t => t.Count(x => x is not null));
        string state = replicates.Any(r => RunLock.IsHeld(layout.Replicate(r))) ? "running"
            : done.Count == all.Count && all.Count > 0 ? "complete"
            : all.Count == 0 ? "empty" : "interrupted";
        var paths = layout.Walk().Where(s => s.Branch is { } b && Branches.BranchRegistry.Owner(b) is Branches.StabilityBranch)
            .Select(s => SafePath(s.Directory)).OfType<global::Lottery.Stability.InstabilityPath>().ToList();
        return new RunListing(name, manifest.Kind, manifest.Hparams.Model.Model, manifest.Hparams.Dataset.Dataset,
            replicates.Count, highest, targetsDone, done.Count == 0 ? null : done.Min(s => s.PercentRemaining),
            done.Count(s => s.Outcome.Diverged), state, paths.Count, paths.Count(p => p.Stable), done.Count);
    }).ToList();

    static global::Lottery.Stability.InstabilityPath? SafePath(string dir)
    {
        try { return global::Lottery.Stability.InstabilityPath.TryLoad(dir); }
        catch (RunFileException) { return null; }
    }

    static StageSummary? SafeSummary(string dir)
    {
        try { return StageSummary.TryLoad(dir); }
        catch (RunFileException) { return null; }
    }
}
