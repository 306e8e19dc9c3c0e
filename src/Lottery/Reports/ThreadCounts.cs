using System.Globalization;

namespace Lottery.Reports;

/// <summary>
/// The intra-op thread count changes a stage's last bits (and, through training, its trajectory). A run's manifest records
/// the count of the process that created it; each stage's summary.json records the counts it actually trained under
/// (<see cref="Runs.StageSummary.Threads"/>). Where they differ (a stage run later, or resumed, under another --threads, or
/// a requeued Slurm task on another node) the report says so, naming the stages: a reader rerunning them must know.
/// </summary>
public static class ThreadCounts
{
    /// <summary>How many differing stages the note names before it counts the rest.</summary>
    const int Named = 6;

    /// <summary>The note, or null where every stage that records its counts trained under its run's manifest's count alone.</summary>
    public static string? Note(IReadOnlyList<ExperimentData> experiments)
    {
        var differing = new List<string>();
        int stages = 0;
        var recorded = new SortedSet<int>();
        foreach (var e in experiments)
        {
            int? manifest = e.Manifest.Versions.TryGetValue("threads", out var m) && int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
            if (manifest is { } mt) recorded.Add(mt);
            foreach (var s in e.Stages)
            {
                stages++;
                // A manifest without a count (a library user's own environment) leaves only stages trained under several.
                if (s.Summary.Threads is not { Count: > 0 } counts || (counts.Count == 1 && (manifest is null || counts[0] == manifest))) continue;
                differing.Add($"{e.Run}/{s.RelativePath(e.Directory)} ({Counts(counts)})");
            }
        }
        if (differing.Count == 0) return null;
        var named = string.Join("; ", differing.Take(Named)) + (differing.Count > Named ? $"; and {differing.Count - Named} more" : "");
        return $"Thread counts: {differing.Count} of the {stages} stages trained under another intra-op thread count than their run's manifest records " +
               $"({(recorded.Count == 0 ? "none recorded" : Counts([.. recorded]))}; each stage's summary.json records its own): {named}. The count changes the last bits " +
               "of a stage, and through training its trajectory: a stage trained under one count reruns exactly with that --threads, one " +
               "trained under two (a resume that changed it) cannot be rerun exactly.";
    }

    /// <summary>"1 thread", "2 threads", "1 and 2 threads".</summary>
    static string Counts(IReadOnlyList<int> counts) =>
        string.Join(" and ", counts.Select(c => c.ToString(CultureInfo.InvariantCulture))) + (counts is [1] ? " thread" : " threads");
}
