namespace Lottery.Training;

/// <summary>Callbacks of the training loop, for progress displays and tests; they never change the result.</summary>
public interface ITrainingObserver
{
    void OnStart(string stage, int startIteration, int endIteration) { }
    /// <summary>An interrupted stage continues from its checkpoint at <paramref name="iteration"/> (called before OnStart).</summary>
    void OnResume(string stage, int iteration) { }
    /// <summary>The loss became NaN or infinite and the weights are no longer finite: the stage stops here.</summary>
    void OnDiverged(string stage, int iteration) { }
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
