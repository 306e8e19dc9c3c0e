using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// A network the lottery procedure can prune: a TorchSharp module that declares, besides its layers, which of
/// its weight tensors are prunable, which kind each is, and the arithmetic of one forward pass.
/// </summary>
public abstract class LotteryModel(string name) : nn.Module<Tensor, Tensor>(name)
{
    readonly List<PrunableTensor> _prunable = [];

    /// <summary>Prunable weights in a fixed order (also the order of initialization).</summary>
    public IReadOnlyList<PrunableTensor> PrunableTensors => _prunable;

    /// <summary>Multiply-adds ×2 of one example's forward pass through the dense network.</summary>
    public long ForwardFlopsPerExample { get; private set; }

    /// <summary>Floats in the largest layer output of one example (conv: channels × height × width).</summary>
    public long LargestActivationPerExample { get; private set; } = 1;

    /// <summary>Examples per evaluation batch: as many as keep the largest activation at 7/8 of glibc's mmap threshold
    /// (<see cref="Native.AllocatorTuning.MmapThreshold"/>), 32 to 1000. Why: a block at or above the threshold is a
    /// fresh mmap, faulted in page by page and unmapped on free, every batch; below it the heap reuses the same
    /// memory. Within that bound larger batches evaluate faster (measured on Conv-2/4 with the largest activation at
    /// 4, 8, 16, 24 and 31 MB: 31 MB fastest, 4 MB slowest by ~30%); LeNet is fastest in the largest batches.</summary>
    public int EvaluationBatchSize =>
        (int)Math.Clamp(Native.AllocatorTuning.MmapThreshold / 8 * 7 / sizeof(float) / LargestActivationPerExample, 32, 1000);

    /// <summary>Creates and registers a linear layer, declaring its weight prunable.</summary>
    protected Linear AddLinear(string layer, long inFeatures, long outFeatures, LayerKind kind)
    {
        var linear = nn.Linear(inFeatures, outFeatures);
        register_module(layer, linear);
        _prunable.Add(new PrunableTensor($"{layer}.weight", kind, [outFeatures, inFeatures]));
        ForwardFlopsPerExample += 2 * inFeatures * outFeatures;
        LargestActivationPerExample = Math.Max(LargestActivationPerExample, Math.Max(inFeatures, outFeatures));
        return linear;
    }

    /// <summary>Creates and registers a 3×3 same-padded convolution over an <paramref name="height"/>×<paramref name="width"/> input.</summary>
    protected Conv2d AddConv3x3(string layer, long inChannels, long outChannels, long height, long width)
    {
        var conv = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        register_module(layer, conv);
        _prunable.Add(new PrunableTensor($"{layer}.weight", LayerKind.Conv, [outChannels, inChannels, 3, 3]));
        ForwardFlopsPerExample += 2 * height * width * outChannels * inChannels * 9;
        LargestActivationPerExample = Math.Max(LargestActivationPerExample, height * width * Math.Max(inChannels, outChannels));
        return conv;
    }

    /// <summary>Declares a convolution's weight prunable (and counts its arithmetic) for a layer registered elsewhere,
    /// e.g. inside a residual block: <paramref name="name"/> is the weight's full parameter name.</summary>
    protected void DeclareConv(string name, long inChannels, long outChannels, long kernel, long outHeight, long outWidth)
    {
        _prunable.Add(new PrunableTensor(name, LayerKind.Conv, [outChannels, inChannels, kernel, kernel]));
        ForwardFlopsPerExample += 2 * outHeight * outWidth * outChannels * inChannels * kernel * kernel;
        LargestActivationPerExample = Math.Max(LargestActivationPerExample, outHeight * outWidth * outChannels);
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
        return x * keep / (1 - rate);
    }

    /// <summary>The output layer's weight tensor name.</summary>
    public string OutputTensorName => PrunableTensors.Single(t => t.Kind == LayerKind.Output).Name;
}
