using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Lottery;

/// <summary>Progress of a whole run: which stage of how many, and the training loop of each.</summary>
public interface ILotteryObserver : ITrainingObserver
{
    /// <summary>Stage <paramref name="index"/> (1-based) of <paramref name="count"/> is about to run or be skipped.</summary>
    void OnStage(string description, int index, int count) { }
    void OnStageSkipped(string description, StageSummary summary) { }
    void OnStageDone(string description, StageSummary summary) { }
    void OnMessage(string message) { }
}

public sealed class NullLotteryObserver : ILotteryObserver
{
    public static readonly NullLotteryObserver Instance = new();
}
