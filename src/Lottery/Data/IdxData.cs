namespace Lottery.Data;

/// <summary>The content of one IDX file, with the hash of the exact bytes it was parsed from.</summary>
/// <param name="Path">The file read.</param>
/// <param name="Shape">The dimensions from the header, e.g. (60000, 28, 28) for images or (60000) for labels.</param>
/// <param name="Data">The unsigned bytes after the header, row-major.</param>
/// <param name="ContentLength">Uncompressed bytes, header included.</param>
/// <param name="ContentSha256">SHA-256 (lower-case hex) of the uncompressed file, header included.</param>
public sealed record IdxData(string Path, IReadOnlyList<int> Shape, byte[] Data, long ContentLength, string ContentSha256)
{
    /// <summary>The first dimension: number of images or labels.</summary>
    public int Count => Shape[0];
}
