using Lottery.Models;
using Lottery.Pruning;
using Lottery.Training;

namespace Lottery.Sparse;

/// <summary>The pruned linear layers of a network switched to sparse kernels for one stage (hooks removed on
/// dispose), chosen by <see cref="SparseMode"/> and <see cref="Crossover"/>.</summary>
public sealed class SparseNetwork : IDisposable
{
    public IReadOnlyList<SparseLinearLayer> Layers { get; }

    SparseNetwork(IReadOnlyList<SparseLinearLayer> layers) => Layers = layers;

    public static readonly SparseNetwork None = new([]);

    /// <summary>The layers that run sparse, by weight name ("fc1.weight"): what a stage records.</summary>
    public IReadOnlyList<string> Names => Layers.Select(l => l.Name + ".weight").ToList();

    /// <summary>Attaches kernels to the pruned linear layers <paramref name="mode"/> picks, for batches of <paramref name="batch"/>.
    /// Only an arena in host memory (the CPU) can run them; elsewhere every layer stays dense.</summary>
    public static SparseNetwork Attach(LotteryModel model, ParameterArena arena, Mask mask, SparseMode mode, int batch)
    {
        if (mode == SparseMode.Off || !arena.OnHost) return None;
        var layers = new List<SparseLinearLayer>();
        foreach (var (name, module) in model.named_modules())
        {
            if (module is not TorchSharp.Modules.Linear linear || name.Length == 0) continue;
            var weight = $"{name}.weight";
            if (!mask.Contains(weight)) continue;
            int rows = (int)linear.out_features, columns = (int)linear.in_features;
            var layout = SparseLayout.Of(mask, weight, rows, columns);
            if (layout.Nonzeros == (long)rows * columns) continue;   // not pruned: the dense product is the product
            if (mode == SparseMode.Auto && !Crossover.PrefersSparse(rows, columns, layout.Density, batch)) continue;
            layers.Add(new SparseLinearLayer(name, linear, arena, layout));
        }
        return new SparseNetwork(layers);
    }

    public void Dispose()
    {
        foreach (var l in Layers) l.Dispose();
    }
}
