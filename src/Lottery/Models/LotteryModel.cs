using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// A network the lottery procedure can prune: a TorchSharp module that declares, besides its layers, which of
/// its weight tensors are prunable, which kind each is, and the arithmetic of one forward pass.
/// </summary>
public abstract class LotteryModel(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>Prunable weights in a fixed order (also the order of initialization).</summary>
    public abstract IReadOnlyList<PrunableTensor> PrunableTensors { get; }

    /// <summary>Multiply-adds ×2 of one example's forward pass through the dense network.</summary>
    public abstract long ForwardFlopsPerExample { get; }

    public long PrunableWeightCount => PrunableTensors.Sum(t => t.Count);

    /// <summary>The generator behind dropout. It belongs to the model rather than to libtorch's global state so
    /// that the trainer can reseed it at measurement boundaries (exact resumption) and so that two models in
    /// one process never draw from each other's stream.</summary>
    public Generator DropoutGenerator { get; } = new(0);

    /// <summary>Inverted dropout drawing from <see cref="DropoutGenerator"/>; the identity when evaluating.</summary>
    protected Tensor Dropout(Tensor x, double rate)
    {
        if (!training || rate <= 0) return x;
        using var keep = empty_like(x).bernoulli_(1 - rate, generator: DropoutGenerator);
        return x * keep / (1 - rate);
    }

    /// <summary>The output layer's weight tensor name.</summary>
    public string OutputTensorName => PrunableTensors.Single(t => t.Kind == LayerKind.Output).Name;
}
