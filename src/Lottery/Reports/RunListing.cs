using Lottery.Lottery;
using Lottery.Runs;

namespace Lottery.Reports;

/// <summary>A line of `lottery runs`: what a run directory holds and how far it got.</summary>
public sealed record RunListing(string Run, string Kind, string Model, string Dataset, int Replicates, int LevelsDone,
    double? SmallestPercentRemaining, string State)
{
    public static IReadOnlyList<RunListing> Scan(string runsRoot) => RunCatalog.List(runsRoot).Select(dir =>
    {
        var name = Path.GetFileName(dir);
        RunManifest manifest;
        try { manifest = RunManifest.Load(Path.Combine(dir, "manifest.json")); }
        catch (RunFileException) { return new RunListing(name, "?", "?", "?", 0, 0, null, "corrupted manifest"); }
        var layout = new RunLayout(dir);
        var replicates = layout.Replicates().ToList();
        // Summaries are read once: per replicate, its levels and one-shot targets.
        var stages = replicates.ToDictionary(r => r, r => layout.Levels(r).Select(l => layout.Level(r, l))
            .Concat(layout.Targets(r).Select(t => t.Directory)).Select(SafeSummary).ToList());
        var all = stages.Values.SelectMany(s => s).ToList();
        var done = all.OfType<StageSummary>().ToList();
        // Levels (and one-shot targets) finished by every replicate.
        int levelsDone = replicates.Count == 0 ? 0 : stages.Values.Min(s => s.Count(x => x is not null));
        string state = replicates.Any(r => RunLock.IsHeld(layout.Replicate(r))) ? "running"
            : done.Count == all.Count && all.Count > 0 ? "complete"
            : all.Count == 0 ? "empty" : "interrupted";
        return new RunListing(name, manifest.Kind, manifest.Hparams.Model.Model, manifest.Hparams.Dataset.Dataset,
            replicates.Count, levelsDone, done.Count == 0 ? null : done.Min(s => s.PercentRemaining), state);
    }).ToList();

    static StageSummary? SafeSummary(string dir)
    {
        try { return StageSummary.TryLoad(dir); }
        catch (RunFileException) { return null; }
    }
}
