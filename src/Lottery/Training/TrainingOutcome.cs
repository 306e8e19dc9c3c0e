namespace Lottery.Training;

/// <summary>
/// What the paper reports of a training run, read from its metrics log: the early-stopping iteration (minimum
/// validation loss over the finite ones; the earliest on ties) with the test accuracy there, and the figures at
/// the end. A run whose losses became NaN or infinite has diverged: <see cref="DivergedAt"/> is the first
/// measurement that saw it, and the early stop is the best measurement before it.
/// </summary>
public sealed record TrainingOutcome(
    int EarlyStopIteration,
    double EarlyStopValidationLoss,
    double EarlyStopValidationAccuracy,
    double EarlyStopTestAccuracy,
    int FinalIteration,
    double FinalValidationAccuracy,
    double FinalTestAccuracy,
    double FinalTestLoss,
    int? DivergedAt = null)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Diverged => DivergedAt is not null;

    /// <summary>The early stop is the stage's last measurement: the validation loss was still falling when training
    /// ended, so the iteration is a lower bound of the true early stop.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool EarlyStopAtEnd => DivergedAt is null && EarlyStopIteration == FinalIteration;

    public static TrainingOutcome From(IReadOnlyList<MetricsRow> rows)
    {
        if (rows.Count == 0) throw new InvalidOperationException("no measurements");
        MetricsRow? best = null;
        int? diverged = null;
        foreach (var r in rows)
        {
            if (r.IsDiverged) { diverged ??= r.Iteration; continue; }
            if (diverged is null && (best is null || r.ValidationLoss < best.ValidationLoss)) best = r;
        }
        best ??= rows[0];
        var last = rows[^1];
        // The trainer measures the test set at every new minimum of the validation loss and at the end, whatever
        // --test-every says, so these are always present in its logs.
        double Measured(double? value, MetricsRow row) => value
            ?? throw new InvalidDataException($"the test set was not measured at iteration {row.Iteration}");
        return new TrainingOutcome(best.Iteration, best.ValidationLoss, best.ValidationAccuracy, Measured(best.TestAccuracy, best),
            last.Iteration, last.ValidationAccuracy, Measured(last.TestAccuracy, last), Measured(last.TestLoss, last), diverged);
    }
}
