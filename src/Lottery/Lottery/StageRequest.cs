using Lottery.Pruning;

namespace Lottery.Lottery;

/// <summary>A stage to run: its directory, starting weights and mask, and where in the schedule it starts.</summary>
/// <param name="Pruning">Where the mask came from (one-shot targets), written beside it as pruning.json.</param>
/// <param name="EndIteration">Train only up to here (bringing the dense network to a rewind point); null: the schedule's end.</param>
public sealed record StageRequest(
    string Directory,
    string Description,
    Func<IReadOnlyDictionary<string, float[]>> StartWeights,
    Mask Mask,
    ReplicateSeeds Seeds,
    int StartIteration = 0,
    int? CaptureIteration = null,
    PruningRecord? Pruning = null,
    int? EndIteration = null);
