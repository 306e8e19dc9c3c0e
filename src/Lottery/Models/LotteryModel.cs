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

    /// <summary>The output layer's weight tensor name.</summary>
    public string OutputTensorName => PrunableTensors.Single(t => t.Kind == LayerKind.Output).Name;
}
