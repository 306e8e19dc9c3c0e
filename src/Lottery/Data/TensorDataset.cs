using static TorchSharp.torch;

namespace Lottery.Data;

/// <summary>Examples (N, C, H, W) as float32 and labels (N) as int64, held in memory.</summary>
public sealed class TensorDataset(Tensor images, Tensor labels) : IDisposable
{
    public Tensor Images { get; } = images;
    public Tensor Labels { get; } = labels;
    public int Count => (int)Labels.shape[0];

    public void Dispose() { Images.Dispose(); Labels.Dispose(); }
}
