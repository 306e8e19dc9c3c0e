using Lottery.Pruning;

namespace Lottery.Lottery;

/// <summary>A stage to run: its directory, starting weights and mask, and where in the schedule it starts.</summary>
/// <param name="Pruning">Where the mask came from (one-shot targets), written beside it as pruning.json.</param>
public sealed record StageRequest(
    string Directory,
    string Description,
    Func<IReadOnlyDictionary<string, float[]>> StartWeights,
    Mask Mask,
    ReplicateSeeds Seeds,
    int StartIteration = 0,
    int? CaptureIteration = null,
    PruningRecord? Pruning = null);
