using Lottery.Models;

namespace Lottery.Pruning;

/// <summary>Per-layer and total counts of a mask: what is saved beside every level.</summary>
public sealed record SparsityReport(IReadOnlyList<SparsityReport.Layer> Layers, long Weights, long Remaining)
{
    public sealed record Layer(string Name, LayerKind Kind, long Weights, long Remaining)
    {
        public double PercentRemaining => Weights == 0 ? 100 : 100.0 * Remaining / Weights;
    }

    public double PercentRemaining => Weights == 0 ? 100 : 100.0 * Remaining / Weights;

    public static SparsityReport Of(Mask mask, IReadOnlyList<PrunableTensor> tensors)
    {
        var layers = tensors.Select(t => new Layer(t.Name, t.Kind, mask.Size(t.Name), mask.Remaining(t.Name))).ToList();
        return new SparsityReport(layers, layers.Sum(l => l.Weights), layers.Sum(l => l.Remaining));
    }
}
