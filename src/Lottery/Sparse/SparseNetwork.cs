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

    /// <summary>The layers that run sparse, by weight name ("fc1.weight", "fc1.weight (training)" for a layer that runs sparse
    /// in one use only): what a stage records.</summary>
    public IReadOnlyList<string> Names => Layers.Select(l => l.Record).ToList();

    /// <summary>Attaches kernels to the pruned linear layers <paramref name="mode"/> picks, each for the uses (training,
    /// evaluation) where it is faster (auto) or for both (on).
    /// Only an arena in host memory (the CPU) can run them; elsewhere every layer stays dense.</summary>
    public static SparseNetwork Attach(LotteryModel model, ParameterArena arena, Mask mask, SparseMode mode)
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
            bool training = mode == SparseMode.On || Crossover.PrefersSparse(columns, layout.Density);
            bool evaluation = mode == SparseMode.On || Crossover.PrefersSparseInference(columns, layout.Density);
            if (!training && !evaluation) continue;
            layers.Add(new SparseLinearLayer(name, linear, arena, layout, training, evaluation));
        }
        return new SparseNetwork(layers);
    }

    public void Dispose()
    {
        foreach (var l in Layers) l.Dispose();
    }
}
