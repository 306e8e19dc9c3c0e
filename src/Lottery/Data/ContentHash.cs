using System.IO.Compression;
using System.Security.Cryptography;

namespace Lottery.Data;

/// <summary>
/// Hashes a file's content the way <see cref="DatasetFile.ContentSha256"/> defines it (uncompressed for
/// .gz). The readers hash while they parse, so this is only for files that are not parsed, such as a
/// download being verified before it is moved into place.
/// </summary>
public static class ContentHash
{
    /// <summary>Length and lower-case hex SHA-256 of the content of <paramref name="path"/>.</summary>
    /// <exception cref="DataException">The file is not valid gzip although <paramref name="gzip"/> says it is.</exception>
    public static (long Length, string Sha256) Compute(string path, bool gzip)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (!gzip) return (file.Length, Hex(SHA256.HashData(file)));
        try
        {
            using var content = new GZipStream(file, CompressionMode.Decompress);
            using var counter = new CountingStream(content);
            var hash = SHA256.HashData(counter);
            return (counter.Count, Hex(hash));
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{path} is not a valid gzip file ({e.Message}).", e);
        }
    }

    /// <summary>Lower-case hex, the form used in the registry and in run manifests.</summary>
    public static string Hex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);

    // SHA256.HashData(Stream) does not report how many bytes it consumed; the content size is part of the check.
    sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer) { var n = inner.Read(buffer); Count += n; return n; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
