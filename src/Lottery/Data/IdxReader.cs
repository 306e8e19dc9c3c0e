using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Lottery.Data;

/// <summary>
/// Reads gzipped IDX files (the MNIST format): a big-endian magic number whose low byte is the number of
/// dimensions and whose third byte is the element type (0x08 = unsigned byte), then one big-endian int32
/// per dimension, then the data. The content is decompressed once and hashed on the way, so verifying a
/// file costs no second read.
/// </summary>
public static class IdxReader
{
    /// <summary>Unsigned-byte, three dimensions (count, rows, columns).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Unsigned-byte, one dimension (count).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an images file (magic 0x00000803).</summary>
    public static IdxData ReadImages(string path) => Read(path, ImagesMagic, "images");

    /// <summary>Reads a labels file (magic 0x00000801).</summary>
    public static IdxData ReadLabels(string path) => Read(path, LabelsMagic, "labels");

    static IdxData Read(string path, int expectedMagic, string kind)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long read = 0;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);

            Span<byte> word = stackalloc byte[4];
            ReadExactly(gzip, word, hash, ref read, path, expected: 4);
            int magic = BinaryPrimitives.ReadInt32BigEndian(word);
            if (magic != expectedMagic)
                throw new DataException(
                    $"{path} is not an IDX {kind} file: magic number 0x{magic:X8}, expected 0x{expectedMagic:X8}; " +
                    "the file is corrupted or misnamed, delete it or download it again.");

            int rank = magic & 0xFF;
            long headerBytes = 4 + 4L * rank;
            var shape = new int[rank];
            long elements = 1;
            for (int d = 0; d < rank; d++)
            {
                ReadExactly(gzip, word, hash, ref read, path, expected: headerBytes);
                shape[d] = BinaryPrimitives.ReadInt32BigEndian(word);
                if (shape[d] <= 0)
                    throw new DataException($"{path} has an invalid IDX header: dimension {d} is {shape[d]}; the file is corrupted, delete it or download it again.");
                elements *= shape[d];
                if (elements > Array.MaxLength)
                    throw new DataException($"{path} has an invalid IDX header: {string.Join('x', shape.Take(d + 1))} elements do not fit in memory; the file is corrupted.");
            }

            var data = new byte[elements];
            ReadExactly(gzip, data, hash, ref read, path, expected: headerBytes + elements);

            // Bytes after the promised data mean the header lies about the shape (or two files were glued together).
            Span<byte> probe = stackalloc byte[1];
            if (gzip.Read(probe) != 0)
                throw new DataException(
                    $"{path} has more data than its IDX header ({string.Join('x', shape)}) declares; the file is corrupted, delete it or download it again.");

            return new IdxData(path, shape, data, read, ContentHash.Hex(hash.GetHashAndReset()));
        }
        catch (InvalidDataException e)
        {
            // Raised by the gzip decoder: bad header, bad deflate data or CRC mismatch.
            throw new DataException($"{path} is corrupted: not a valid gzip stream ({e.Message}); delete it or download it again.", e);
        }
        catch (FileNotFoundException e)
        {
            throw new DataException($"{path} does not exist.", e);
        }
    }

    static void ReadExactly(Stream stream, Span<byte> buffer, IncrementalHash hash, ref long read, string path, long expected)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = stream.Read(buffer[filled..]);
            if (n == 0)
                throw new DataException(
                    $"{path} is truncated: its content ends after {read + filled} bytes but at least {expected} were expected; delete it or download it again.");
            filled += n;
        }
        hash.AppendData(buffer);
        read += filled;
    }
}
