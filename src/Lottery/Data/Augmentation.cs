using Lottery.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Data;

/// <summary>
/// The standard CIFAR augmentation of the paper's deep networks (open_lth's): each training image flipped
/// horizontally with probability 1/2 and cropped back to its size at a random offset after padding each side with
/// <see cref="Padding"/> black pixels. Done on the whole batch with two gathers (no per-example managed code), on
/// standardised tensors, so the padding value is each channel's standardised black. Random draws come from a
/// generator seeded by (seed, iteration): a resumed run sees the same augmented batches as an uninterrupted one.
/// </summary>
public sealed class Augmentation : IDisposable
{
    public const int Padding = 4;

    readonly Tensor _black;   // [1, C, 1, 1]: the standardised value of a black pixel per channel

    /// <param name="mean">Per-channel mean used to standardise the data (zeros when not standardised).</param>
    /// <param name="std">Per-channel standard deviation (ones when not standardised).</param>
    public Augmentation(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        var black = mean.Select((m, c) => (float)(-m / std[c])).ToArray();
        _black = tensor(black).reshape(1, black.Length, 1, 1);
    }

    /// <summary>The augmented copy of <paramref name="images"/> [B, C, H, W] for training iteration <paramref name="iteration"/>.</summary>
    public Tensor Apply(Tensor images, long seed, int iteration)
    {
        long b = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)Training.Seeds.Derive(seed, "augment", iteration));
        using Scalar half = 0.5.ToScalar();   // held until the comparison returns (see Scalars)
        var flip = rand(b, generator: generator).lt(half);                                   // [B]
        var offsets = randint(0, 2 * Padding + 1, [b, 2], generator: generator);             // [B, 2]: row, column
        // Pad with each channel's black: a canvas of black, the images in its middle.
        // The draws come from a CPU generator (the same numbers on any device); the pixels stay where they are.
        var device = images.device;
        var padded = _black.to(device).expand(b, c, h + 2 * Padding, w + 2 * Padding).clone();
        padded.narrow(2, Padding, h).narrow(3, Padding, w).copy_(images);
        // Rows: offset + i. Columns: offset + j, or offset + (w − 1 − j) for a flipped image.
        // No implicit Scalars (a + b makes one, see Training.Scalars): add with an explicit alpha; w − 1 − j is j reversed.
        var rows = offsets.select(1, 0).unsqueeze(1).add(Scalars.Range(h).unsqueeze(0), Scalars.One);   // [B, H]
        var j = Scalars.Range(w).unsqueeze(0).expand(b, w);
        var columns = offsets.select(1, 1).unsqueeze(1).add(where(flip.unsqueeze(1), j.flip(1), j), Scalars.One);   // [B, W]
        var picked = padded.gather(2, rows.to(device).view(b, 1, h, 1).expand(b, c, h, w + 2 * Padding));
        var result = picked.gather(3, columns.to(device).view(b, 1, 1, w).expand(b, c, h, w));
        return result.MoveToOuterDisposeScope();
    }

    public void Dispose() => _black.Dispose();
}
