using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Reports;

/// <summary>One finished stage of a run as a report reads it: where it sits (replicate, level or one-shot target,
/// control), its summary, every measurement, the per-layer density of its mask, and the early-stopping point under
/// both criteria (recomputed from metrics.csv).</summary>
/// <param name="Position">"level 3" or "one-shot 7%": stages at the same position are replicates of each other.</param>
/// <param name="Order">Sort key of the position: the level, or 1000 + the target's rank.</param>
public sealed record StageRecord(int Replicate, string Position, int Order, SeriesKind Kind, string Directory,
    StageSummary Summary, IReadOnlyList<MetricsRow> Metrics, SparsityReport? Sparsity)
{
    /// <summary>Accuracy of the final weights on the training split, where measured.</summary>
    public double? TrainAccuracy { get; set; }

    public EarlyStop ByLoss { get; } = EarlyStop.Of(Metrics, EarlyStopCriterion.ValidationLoss);
    public EarlyStop ByAccuracy { get; } = EarlyStop.Of(Metrics, EarlyStopCriterion.ValidationAccuracy);

    public EarlyStop By(EarlyStopCriterion c) => c == EarlyStopCriterion.ValidationLoss ? ByLoss : ByAccuracy;

    public double PercentRemaining => Summary.PercentRemaining;
    public double FinalTestAccuracy => Summary.Outcome.FinalTestAccuracy;
    public int? DivergedAt => Summary.Outcome.DivergedAt;

    /// <summary>Where the run directory keeps it, e.g. replicate_2/level_3/controls/reinit_1.</summary>
    public string RelativePath(string runDirectory) => Path.GetRelativePath(runDirectory, Directory);
}
