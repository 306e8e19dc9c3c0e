namespace Lottery.Training;

/// <summary>Callbacks of the training loop, for progress displays and tests; they never change the result.</summary>
public interface ITrainingObserver
{
    void OnStart(string stage, int startIteration, int endIteration) { }
    void OnIteration(int iteration) { }
    void OnMeasurement(MetricsRow row) { }
    void OnCheckpoint(int iteration) { }
    void OnEnd(string stage) { }
}

/// <summary>Observes nothing.</summary>
public sealed class NullObserver : ITrainingObserver
{
    public static readonly NullObserver Instance = new();
}
