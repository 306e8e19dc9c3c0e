namespace Lottery.Data;

/// <summary>
/// One file of a dataset as it lies on disk, with the checksums that identify it.
/// </summary>
/// <remarks>
/// The identity of a file is the SHA-256 of its <em>content</em>: for a .gz file the uncompressed bytes,
/// otherwise the file itself. The compressed bytes are not a stable identity: Debian's
/// dataset-fashion-mnist package re-gzipped Zalando's files (dropping the stored file name), so its .gz
/// bytes differ while the IDX content is identical. The distributed size/hash are kept for the record
/// (and for anyone comparing against the upstream download) but are never required to match.
/// </remarks>
/// <param name="Name">File name inside the dataset directory.</param>
/// <param name="ContentSize">Bytes of the content (uncompressed for .gz).</param>
/// <param name="ContentSha256">Lower-case hex SHA-256 of the content (uncompressed for .gz).</param>
/// <param name="DistributedSize">Bytes of the file as the upstream source distributes it, when known.</param>
/// <param name="DistributedSha256">SHA-256 of the file as distributed upstream, when known.</param>
/// <param name="Required">False for files the loader does not need (e.g. CIFAR's batches.meta.txt).</param>
public sealed record DatasetFile(
    string Name,
    long ContentSize,
    string ContentSha256,
    long? DistributedSize = null,
    string? DistributedSha256 = null,
    bool Required = true)
{
    /// <summary>True when the file is gzip-compressed and its content is what gets hashed and read.</summary>
    public bool IsGzip => Name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
}
