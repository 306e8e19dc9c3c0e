namespace Lottery.Pruning;

/// <summary>Tensors that share one magnitude threshold and one rate: a single layer (layer-wise pruning)
/// or all non-excluded layers (global pruning).</summary>
public sealed record PruningGroup(IReadOnlyList<string> Tensors, double Rate)
{
    /// <summary>Weights removed from a group with <paramref name="remaining"/> survivors in one round:
    /// round(rate × remaining), halves away from zero.</summary>
    public long CountToPrune(long remaining) => (long)Math.Round(Rate * remaining, MidpointRounding.AwayFromZero);
}
