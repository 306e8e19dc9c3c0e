using System.Globalization;
using Lottery.Lottery;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Reports;

/// <summary>
/// Everything a report needs from one run directory: its manifest and every finished stage of every replicate
/// (levels, one-shot targets, controls). An experiment still running is read as far as it got: unfinished stages
/// are listed, not guessed at. Damaged files are errors naming the file and the fix.
/// </summary>
public sealed record ExperimentData(string Run, string Directory, RunManifest Manifest, IReadOnlyList<StageRecord> Stages,
    int Replicates, IReadOnlyList<string> Unfinished, bool Running)
{
    /// <summary>Set by <see cref="Report.Build"/> so experiments side by side have distinct names.</summary>
    public string Label { get; set; } = "";

    public string Model => Manifest.Hparams.Model.Model;
    public string Dataset => Manifest.Hparams.Dataset.Dataset;

    /// <summary>The procedure in words: "iterative, reset to θ0", "iterative, rewound to 500it", "one-shot", "dense".</summary>
    public string Procedure => Manifest.Kind switch
    {
        "lottery" => Manifest.Rewind is { } k ? $"iterative, rewound to {k}" : "iterative, reset to θ0",
        "oneshot" => "one-shot",
        _ => "dense training",
    };

    public bool InProgress => Running || Unfinished.Count > 0;

    public static ExperimentData Load(string runDirectory)
    {
        runDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(runDirectory));
        var manifest = RunManifest.LoadVerified(runDirectory);
        var layout = new RunLayout(runDirectory);
        var replicates = layout.Replicates().ToList();
        var stages = new List<StageRecord>();
        var unfinished = new List<string>();
        var ticket = manifest.Rewind is null ? SeriesKind.Iterative : SeriesKind.Rewinding;
        foreach (var r in replicates)
        {
            foreach (var level in layout.Levels(r))
            {
                var kind = level == 0 ? SeriesKind.Dense : ticket;
                Add(r, $"level {level}", level, kind, layout.Level(r, level));
                foreach (var control in layout.Controls(r, level))
                {
                    var controlKind = control.StartsWith("reinit_", StringComparison.Ordinal) ? SeriesKind.Reinit
                        : control == "random_pruning" ? SeriesKind.RandomPruning
                        : control == "continued" ? SeriesKind.Continued
                        : (SeriesKind?)null;
                    if (controlKind is SeriesKind k) Add(r, $"level {level}", level, k, layout.Control(r, level, control));
                }
            }
            int rank = 0;
            foreach (var (percent, dir) in layout.Targets(r))
                Add(r, $"one-shot {percent.ToString("0.###", CultureInfo.InvariantCulture)}%", 1000 + rank++, SeriesKind.OneShot, dir);
        }
        bool running = replicates.Any(r => RunLock.IsHeld(layout.Replicate(r)));
        return new ExperimentData(Path.GetFileName(runDirectory), runDirectory, manifest, stages, replicates.Count, unfinished, running);

        void Add(int replicate, string position, int order, SeriesKind kind, string dir)
        {
            var summary = StageSummary.TryLoad(dir);
            if (summary is null)
            {
                unfinished.Add(Path.GetRelativePath(runDirectory, dir));
                return;
            }
            var metrics = MetricsLog.Read(Path.Combine(dir, Trainer.MetricsFile));
            if (metrics.Count == 0 || metrics[^1].Iteration != summary.Outcome.FinalIteration)
                throw new RunFileException($"{Path.Combine(dir, Trainer.MetricsFile)} is cut (it does not reach the stage's end at iteration " +
                    $"{summary.Outcome.FinalIteration}): delete it and re-run the command that made the run to recompute the stage");
            stages.Add(new StageRecord(replicate, position, order, kind, dir, summary, metrics, ReadSparsity(dir)));
        }
    }

    static SparsityReport? ReadSparsity(string dir)
    {
        var path = Path.Combine(dir, "sparsity.json");
        if (!File.Exists(path)) return null;
        try { return System.Text.Json.JsonSerializer.Deserialize<SparsityReport>(File.ReadAllText(path), RunManifest.Json); }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or ArgumentException)
        {
            throw new RunFileException($"{path} is corrupted: delete it and re-run the command that made the run (it is written again from the mask)");
        }
    }
}
