namespace Lottery.Data;

/// <summary>
/// A loaded, verified dataset as plain bytes, before any conversion to tensors. Images are stored one
/// after another, each C*H*W bytes in CHW order, so a tensor of shape (N, C, H, W) is a direct view.
/// </summary>
public sealed record RawDataset
{
    public required DatasetSpec Spec { get; init; }

    /// <summary>The dataset directory the files were read from (e.g. /usr/share/datasets/fashion-mnist).</summary>
    public required string Root { get; init; }

    public required byte[] TrainImages { get; init; }
    public required byte[] TrainLabels { get; init; }
    public required byte[] TestImages { get; init; }
    public required byte[] TestLabels { get; init; }

    /// <summary>File name → SHA-256 of its content as verified at load, for the run manifest.</summary>
    public required IReadOnlyDictionary<string, string> FileChecksums { get; init; }

    public int TrainCount => TrainLabels.Length;
    public int TestCount => TestLabels.Length;
}
