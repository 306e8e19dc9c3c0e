namespace Lottery.Training;

/// <summary>One measurement: validation and test loss/accuracy at an iteration, and the mean training loss
/// since the previous measurement (null for the measurement before training). Test figures are null where the
/// test set was not measured (--test-every above --eval-every). A diverged run has NaN or infinite losses here,
/// recorded as such.</summary>
public sealed record MetricsRow(int Iteration, double? TrainLoss, double ValidationLoss, double ValidationAccuracy, double? TestLoss, double? TestAccuracy)
{
    /// <summary>True when a loss of this row is NaN or infinite: the network has diverged.</summary>
    public bool IsDiverged => TrainLoss is double t && !double.IsFinite(t) || !double.IsFinite(ValidationLoss);
}
