namespace Lottery.Training;

/// <summary>
/// What the paper reports of a training run, read from its metrics log: the early-stopping iteration (minimum
/// validation loss; the earliest on ties) with the test accuracy there, and the figures at the end.
/// </summary>
public sealed record TrainingOutcome(
    int EarlyStopIteration,
    double EarlyStopValidationLoss,
    double EarlyStopValidationAccuracy,
    double EarlyStopTestAccuracy,
    int FinalIteration,
    double FinalValidationAccuracy,
    double FinalTestAccuracy,
    double FinalTestLoss)
{
    public static TrainingOutcome From(IReadOnlyList<MetricsRow> rows)
    {
        if (rows.Count == 0) throw new InvalidOperationException("no measurements");
        var best = rows[0];
        foreach (var r in rows)
            if (r.ValidationLoss < best.ValidationLoss) best = r;
        var last = rows[^1];
        return new TrainingOutcome(best.Iteration, best.ValidationLoss, best.ValidationAccuracy, best.TestAccuracy,
            last.Iteration, last.ValidationAccuracy, last.TestAccuracy, last.TestLoss);
    }
}
