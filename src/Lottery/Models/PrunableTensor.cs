namespace Lottery.Models;

/// <summary>A weight tensor that pruning may act on (conv and linear weights; never biases).</summary>
public sealed record PrunableTensor(string Name, LayerKind Kind, long[] Shape)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}
