using System.Buffers.Binary;
using Lottery.Data;

namespace Lottery.Tests.Data;

public class CorruptionTests
{
    static readonly DatasetSpec Mnist = DatasetRegistry.Mnist;

    static DataException LoadMnistCopy(Action<string> damage)
    {
        using var t = new TempDir();
        var dir = DataTestSupport.CopyDataset(TestData.Dataset("mnist"), t.Path, Mnist);
        damage(dir);
        return Assert.Throws<DataException>(() => DatasetLoader.Load(Mnist, t.Path, DataTestSupport.Hermetic(t.Sub("cache"))));
    }

    [Fact]
    public void Flipped_byte_in_a_gzip_file_is_reported_with_the_file_name()
    {
        var e = LoadMnistCopy(dir =>
        {
            var path = Path.Combine(dir, "t10k-labels-idx1-ubyte.gz");
            var bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(path, bytes);
        });
        Assert.Contains("t10k-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains("corrupted", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Truncated_gzip_file_is_reported_with_the_file_name()
    {
        var e = LoadMnistCopy(dir =>
        {
            var path = Path.Combine(dir, "train-labels-idx1-ubyte.gz");
            using var f = new FileStream(path, FileMode.Open);
            f.SetLength(f.Length / 2);
        });
        Assert.Contains("train-labels-idx1-ubyte.gz", e.Message);
    }

    [Fact]
    public void Valid_gzip_with_changed_content_fails_the_checksum_naming_file_and_hashes()
    {
        var e = LoadMnistCopy(dir =>
        {
            var path = Path.Combine(dir, "t10k-labels-idx1-ubyte.gz");
            var content = DataTestSupport.Gunzip(path);
            content[^1] = (byte)((content[^1] + 1) % 10);  // still a valid label: only the checksum can tell
            File.WriteAllBytes(path, DataTestSupport.Gzip(content));
        });
        Assert.Contains("t10k-labels-idx1-ubyte.gz is corrupted", e.Message);
        Assert.Contains(Mnist.GetFile("t10k-labels-idx1-ubyte.gz").ContentSha256, e.Message);
        Assert.Contains("download it again", e.Message);
    }

    [Fact]
    public void Truncated_cifar_batch_is_reported_before_anything_is_read()
    {
        using var t = new TempDir();
        var source = TestData.Dataset("cifar-10-batches-bin");
        var dir = t.Sub("cifar-10-batches-bin");
        foreach (var f in DatasetRegistry.Cifar10.RequiredFiles.Where(f => f.Name != "test_batch.bin"))
            File.CreateSymbolicLink(Path.Combine(dir, f.Name), Path.Combine(source, f.Name));
        using (var src = File.OpenRead(Path.Combine(source, "test_batch.bin")))
        using (var dst = File.Create(Path.Combine(dir, "test_batch.bin")))
        {
            var buffer = new byte[3073 * 100];
            src.ReadExactly(buffer);
            dst.Write(buffer);
        }

        var e = Assert.Throws<DataException>(() => DatasetLoader.Load("cifar10", t.Path, DataTestSupport.Hermetic(t.Sub("cache"))));
        Assert.Contains("test_batch.bin", e.Message);
        Assert.Contains("30730000", e.Message);
    }

    [Fact]
    public void Cifar_reader_rejects_partial_records_and_out_of_range_labels()
    {
        using var t = new TempDir();
        var partial = Path.Combine(t.Path, "partial.bin");
        File.WriteAllBytes(partial, new byte[3073 + 5]);
        Assert.Contains("partial.bin", Assert.Throws<DataException>(() => CifarBinaryReader.Read(partial)).Message);

        var badLabel = Path.Combine(t.Path, "label.bin");
        var bytes = new byte[3073 * 2];
        bytes[3073] = 10;
        File.WriteAllBytes(badLabel, bytes);
        var e = Assert.Throws<DataException>(() => CifarBinaryReader.Read(badLabel));
        Assert.Contains("label 10 in record 1", e.Message);
    }

    [Fact]
    public void Idx_reader_rejects_wrong_magic_and_short_content_naming_the_file()
    {
        using var t = new TempDir();
        var content = new byte[8 + 3];
        BinaryPrimitives.WriteInt32BigEndian(content, IdxReader.ImagesMagic);  // an images magic in a labels file
        BinaryPrimitives.WriteInt32BigEndian(content.AsSpan(4), 3);
        var wrong = Path.Combine(t.Path, "wrong-magic.gz");
        File.WriteAllBytes(wrong, DataTestSupport.Gzip(content));
        var e = Assert.Throws<DataException>(() => IdxReader.ReadLabels(wrong));
        Assert.Contains("wrong-magic.gz", e.Message);
        Assert.Contains("0x00000803", e.Message);

        BinaryPrimitives.WriteInt32BigEndian(content, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(content.AsSpan(4), 5);  // promises 5 labels, holds 3
        var shortFile = Path.Combine(t.Path, "short.gz");
        File.WriteAllBytes(shortFile, DataTestSupport.Gzip(content));
        e = Assert.Throws<DataException>(() => IdxReader.ReadLabels(shortFile));
        Assert.Contains("short.gz is truncated", e.Message);

        BinaryPrimitives.WriteInt32BigEndian(content.AsSpan(4), 3);
        var ok = Path.Combine(t.Path, "ok.gz");
        File.WriteAllBytes(ok, DataTestSupport.Gzip(content));
        var data = IdxReader.ReadLabels(ok);
        Assert.Equal([3], data.Shape);
        Assert.Equal(11, data.ContentLength);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)), data.ContentSha256);
    }
}
