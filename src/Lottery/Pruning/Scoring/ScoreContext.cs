using Lottery.Data;
using Lottery.Models;

namespace Lottery.Pruning.Scoring;

/// <summary>
/// What a score may look at when it ranks a stage's weights: a fresh copy of the network, the weights the ticket
/// starts from (θ0, or θk when rewinding), the trained weights of the dense network (read only if the score asks),
/// the mask before this pruning, the training split (seeded batches of it), and a seed for the score's own random
/// streams (recorded with the stage).
/// </summary>
public sealed record ScoreContext
{
    /// <summary>A fresh copy of the run's network, on the CPU.</summary>
    public required Func<LotteryModel> CreateModel { get; init; }
    /// <summary>θ0, or θk when rewinding: parameters and buffers.</summary>
    public required IReadOnlyDictionary<string, float[]> Start { get; init; }
    /// <summary>The dense network's weights after training (magnitude after training); loaded on first use.</summary>
    public required Func<IReadOnlyDictionary<string, float[]>> Trained { get; init; }
    /// <summary>The prunable tensors, in the network's order.</summary>
    public required IReadOnlyList<PrunableTensor> Tensors { get; init; }
    /// <summary>The training split (standardised as training sees it; never augmented for scoring).</summary>
    public required Func<TensorDataset> Train { get; init; }
    /// <summary>The run's training batch size: the size of the batches data-dependent scores draw.</summary>
    public required int BatchSize { get; init; }
    /// <summary>The number of classes of the dataset.</summary>
    public required int Classes { get; init; }
    /// <summary>Seeds every random stream of the score (which examples, random scores).</summary>
    public required long Seed { get; init; }
    /// <summary>Keep the lowest-scored weights instead of the highest (the inversion sanity check).</summary>
    public bool Invert { get; init; }

    /// <summary>The scores as the selection should see them: negated when inverting.</summary>
    public Scores Oriented(Scores scores) => Invert ? scores.Inverted() : scores;
}
