using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// A built-in network: a TorchSharp module over one input shape. What the lottery procedure needs beyond the
/// layers is read from the module tree (<see cref="ModuleTree"/>: prunable weights by layer type) and measured
/// (<see cref="ForwardProfile"/>: arithmetic and activation sizes), never declared by hand, so the built-in
/// networks exercise the same path a user's own model takes.
/// </summary>
public abstract class LotteryModel : nn.Module<Tensor, Tensor>
{
    IReadOnlyList<PrunableTensor>? _prunable;

    protected LotteryModel(string name, InputShape input) : base(name)
    {
        Input = input;
        Native.ConvolutionBackends.EnsureApplied();  // libtorch is loaded by now (the base constructor made a module)
    }
    ForwardProfile? _profile;

    public InputShape Input { get; }

    /// <summary>Prunable weights in a fixed order (also the order of initialization): every conv and linear weight
    /// in registration order; the last linear layer is the output layer.</summary>
    public IReadOnlyList<PrunableTensor> PrunableTensors => _prunable ??= ModuleTree.PrunableTensors(this);

    /// <summary>One example's forward pass, measured once on first use.</summary>
    public ForwardProfile Profile => _profile ??= ForwardProfile.Measure(this, Input);

    /// <summary>Multiply-adds ×2 of one example's forward pass through the dense network.</summary>
    public long ForwardFlopsPerExample => Profile.FlopsPerExample;

    /// <summary>Floats in the largest tensor of one example's forward pass (input or any layer's output).</summary>
    public long LargestActivationPerExample => Profile.LargestActivationPerExample;

    /// <summary>Examples per evaluation batch: as many as keep the largest activation at 7/8 of glibc's mmap threshold
    /// (<see cref="Native.AllocatorTuning.MmapThreshold"/>), 32 to 1000. Why: a block at or above the threshold is a
    /// fresh mmap, faulted in page by page and unmapped on free, every batch; below it the heap reuses the same
    /// memory. Within that bound larger batches evaluate faster (measured on Conv-2/4 with the largest activation at
    /// 4, 8, 16, 24 and 31 MB: 31 MB fastest, 4 MB slowest by ~30%); LeNet is fastest in the largest batches.</summary>
    public int EvaluationBatchSize =>
        (int)Math.Clamp(Native.AllocatorTuning.MmapThreshold / 8 * 7 / sizeof(float) / LargestActivationPerExample, 32, 1000);

    /// <summary>Registers a submodule under <paramref name="layer"/> and returns it. Layers are invoked with
    /// <c>call</c> in forward so that hooks (the forward profile) see them.</summary>
    protected T Add<T>(string layer, T module) where T : nn.Module
    {
        register_module(layer, module);
        return module;
    }

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
        using Scalar keepRate = (1 - rate).ToScalar();   // held until the division returns (see Training.Scalars)
        return x * keep / keepRate;
    }

    /// <summary>The output layer's weight tensor name.</summary>
    public string OutputTensorName => PrunableTensors.Single(t => t.Kind == LayerKind.Output).Name;
}
