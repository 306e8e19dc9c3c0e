namespace Lottery.Training;

/// <summary>One measurement: validation and test loss/accuracy at an iteration, and the mean training loss
/// since the previous measurement (NaN for the measurement before training).</summary>
public sealed record MetricsRow(int Iteration, double TrainLoss, double ValidationLoss, double ValidationAccuracy, double TestLoss, double TestAccuracy);
