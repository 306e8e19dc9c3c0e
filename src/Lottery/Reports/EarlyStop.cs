using Lottery.Training;

namespace Lottery.Reports;

/// <summary>Which measurement counts as the early-stopping point. The paper's criterion is the minimum validation
/// loss; the maximum validation accuracy is the other common reading. The iteration is a noisy statistic, so reports
/// show it both ways and say which each figure uses.</summary>
public enum EarlyStopCriterion { ValidationLoss, ValidationAccuracy }

/// <summary>The early-stopping point of one stage under one criterion: the first best measurement before any
/// divergence. Test accuracy is null where the test set was not measured at that iteration (--test-every above
/// --eval-every; the trainer always measures it at new minima of the validation loss).</summary>
/// <param name="AtLastMeasurement">The best measurement is the stage's last: the criterion was still improving when the
/// stage ended, so the true early stop may lie beyond the run (the iteration is censored: a lower bound), and a ratio
/// of early stops involving it is a bound, not a measurement.</param>
public sealed record EarlyStop(int Iteration, double ValidationLoss, double ValidationAccuracy, double? TestAccuracy, bool AtLastMeasurement = false)
{
    public static EarlyStop Of(IReadOnlyList<MetricsRow> rows, EarlyStopCriterion criterion)
    {
        if (rows.Count == 0) throw new ArgumentException("no measurements", nameof(rows));
        MetricsRow? best = null;
        foreach (var r in rows)
        {
            if (r.IsDiverged) break;
            bool better = best is null || criterion switch
            {
                EarlyStopCriterion.ValidationLoss => r.ValidationLoss < best.ValidationLoss,
                _ => r.ValidationAccuracy > best.ValidationAccuracy,
            };
            if (better) best = r;
        }
        best ??= rows[0];
        return new EarlyStop(best.Iteration, best.ValidationLoss, best.ValidationAccuracy, best.TestAccuracy, best.Iteration == rows[^1].Iteration);
    }

    public static string Describe(EarlyStopCriterion c) => c == EarlyStopCriterion.ValidationLoss
        ? "minimum validation loss (the paper's criterion)"
        : "maximum validation accuracy";

    /// <summary>The mark of an early stop at its stage's last measurement, for <paramref name="atEnd"/> of
    /// <paramref name="stages"/> stages: "" (none), "(end)" (all), "(end: k of n)" (some). Tables and `lottery show` alike.</summary>
    public static string EndMark(int atEnd, int stages) => atEnd == 0 ? "" : atEnd == stages ? "(end)" : $"(end: {atEnd} of {stages})";

    public static string Short(EarlyStopCriterion c) => c == EarlyStopCriterion.ValidationLoss ? "loss" : "accuracy";
}
