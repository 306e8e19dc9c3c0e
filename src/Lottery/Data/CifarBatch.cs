namespace Lottery.Data;

/// <summary>One CIFAR binary batch, split into images and labels.</summary>
/// <param name="Path">The file read.</param>
/// <param name="Images">Count x 3072 bytes; each image is CHW (1024 R, then G, then B; rows top to bottom).</param>
/// <param name="Labels">One class index per image.</param>
/// <param name="Sha256">SHA-256 (lower-case hex) of the file.</param>
public sealed record CifarBatch(string Path, byte[] Images, byte[] Labels, string Sha256)
{
    public int Count => Labels.Length;
}
