using System.Security.Cryptography;

namespace Lottery.Data;

/// <summary>
/// Reads CIFAR-10 binary batches: fixed-size records of <c>&lt;1 label byte&gt;&lt;1024 R&gt;&lt;1024 G&gt;&lt;1024 B&gt;</c>.
/// The colour planes already are CHW, so an image is copied as is. The file is read into memory once
/// and hashed from there (30 MB per batch), so verifying it costs no second read.
/// </summary>
public static class CifarBinaryReader
{
    public const int Channels = 3, Height = 32, Width = 32;
    public const int ImageBytes = Channels * Height * Width;
    public const int RecordBytes = 1 + ImageBytes;

    /// <summary>Reads the batch at <paramref name="path"/>; labels must be below <paramref name="classes"/>.</summary>
    public static CifarBatch Read(string path, int classes = 10)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException e) { throw new DataException($"{path} does not exist.", e); }

        if (bytes.Length == 0 || bytes.Length % RecordBytes != 0)
            throw new DataException(
                $"{path} has {bytes.Length} bytes, not a whole number of {RecordBytes}-byte CIFAR records; the file is truncated or corrupted, delete it or download it again.");

        var sha = ContentHash.Hex(SHA256.HashData(bytes));
        int count = bytes.Length / RecordBytes;
        var images = new byte[(long)count * ImageBytes];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            var record = bytes.AsSpan(i * RecordBytes, RecordBytes);
            if (record[0] >= classes)
                throw new DataException($"{path} holds label {record[0]} in record {i}, but there are only {classes} classes; the file is corrupted, delete it or download it again.");
            labels[i] = record[0];
            record[1..].CopyTo(images.AsSpan(i * ImageBytes, ImageBytes));
        }
        return new CifarBatch(path, images, labels, sha);
    }
}
