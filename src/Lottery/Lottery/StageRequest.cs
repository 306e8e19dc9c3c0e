using Lottery.Pruning;

namespace Lottery.Lottery;

/// <summary>A stage to run: its directory, starting weights and mask, and where in the schedule it starts.</summary>
public sealed record StageRequest(
    string Directory,
    string Description,
    Func<IReadOnlyDictionary<string, float[]>> StartWeights,
    Mask Mask,
    ReplicateSeeds Seeds,
    int StartIteration = 0,
    int? CaptureIteration = null);
