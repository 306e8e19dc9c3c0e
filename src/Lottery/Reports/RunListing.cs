using Lottery.Lottery;
using Lottery.Runs;

namespace Lottery.Reports;

/// <summary>A line of `lottery runs`: what a run directory holds and how far it got.</summary>
/// <param name="HighestLevel">The last level L such that levels 0..L are finished in every replicate (null: none).</param>
/// <param name="TargetsDone">One-shot targets finished in every replicate.</param>
/// <param name="Diverged">Finished stages (trunk levels and targets) whose training diverged.</param>
/// <param name="Paths">Measured instability analyses (stability branches), and how many of them are stable.</param>
/// <param name="FinishedStages">Finished trunk stages (levels and targets) over all replicates.</param>
/// <param name="Setup">What tells the run apart from the others of its kind, network and data in the same directory
/// ("dropout 0.5", "sgd lr 0.1, warmup 267it", "rewound to 500it", "seed 7"; <see cref="Distinction"/>), "" where none is
/// like it.</param>
public sealed record RunListing(string Run, string Kind, string Model, string Dataset, int Replicates, int? HighestLevel,
    int TargetsDone, double? SmallestPercentRemaining, int Diverged, string State, int Paths = 0, int StablePaths = 0, int FinishedStages = 0,
    string Setup = "")
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

    public static IReadOnlyList<RunListing> Scan(string runsRoot)
    {
        var scanned = RunCatalog.List(runsRoot).Select(Read).ToList();
        var listings = scanned.Select(x => x.Listing).ToList();
        // Runs alike in kind, network and data: say what tells each apart (its procedure, its hyperparameters, its seed).
        foreach (var group in Enumerable.Range(0, scanned.Count).Where(i => scanned[i].Manifest is not null)
                     .GroupBy(i => (listings[i].Kind, listings[i].Model, listings[i].Dataset)).Where(g => g.Count() > 1))
        {
            var members = group.ToList();
            var manifests = members.Select(i => scanned[i].Manifest!).ToList();
            bool rewinds = manifests.Select(m => m.Rewind ?? "").Distinct().Count() > 1;
            var texts = Distinction.Of(manifests.Select(m => m.Hparams).ToList())
                .Select((text, k) => Join(rewinds ? (manifests[k].Rewind is { } r ? $"rewound to {r}" : "reset to θ0") : "", text))
                .ToList();
            // Alike in all of that: the seed.
            var alike = Enumerable.Range(0, members.Count).Where(k => texts.Count(t => t == texts[k]) > 1).ToList();
            foreach (var k in alike) texts[k] = Join(texts[k], $"seed {manifests[k].Seed}");
            for (int k = 0; k < members.Count; k++) listings[members[k]] = listings[members[k]] with { Setup = texts[k] };
        }
        return listings;
    }

    static string Join(params string[] parts) => string.Join(", ", parts.Where(p => p.Length > 0));

    static (RunListing Listing, RunManifest? Manifest) Read(string dir)
    {
        var name = Path.GetFileName(dir);
        RunManifest manifest;
        try { manifest = RunManifest.LoadVerified(dir); }
        catch (RunFileException) { return (new RunListing(name, "?", "?", "?", 0, null, 0, null, 0, "damaged manifest (`lottery show` says why)"), null); }
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
        string state = replicates.Any(r => layout.LockDirectories(r).Any(RunLock.IsHeld)) ? "running"
            : done.Count == all.Count && all.Count > 0 ? "complete"
            : all.Count == 0 ? "empty" : "interrupted";
        var paths = layout.Walk().Where(s => s.Branch is { } b && Branches.BranchRegistry.Owner(b) is Branches.StabilityBranch)
            .Select(s => SafePath(s.Directory)).OfType<global::Lottery.Stability.InstabilityPath>().ToList();
        return (new RunListing(name, manifest.Kind, manifest.Hparams.Model.Model, manifest.Hparams.Dataset.Dataset,
            replicates.Count, highest, targetsDone, done.Count == 0 ? null : done.Min(s => s.PercentRemaining),
            done.Count(s => s.Outcome.Diverged), state, paths.Count, paths.Count(p => p.Stable), done.Count), manifest);
    }

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
