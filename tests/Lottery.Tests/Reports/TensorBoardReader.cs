using System.Buffers.Binary;

namespace Lottery.Tests.Reports;

/// <summary>Reads TensorBoard event files as TensorBoard does: TFRecord framing (length, masked CRC-32C of the
/// length, data, masked CRC-32C of the data; both checked) around Event protocol buffers, parsed with the
/// generated classes TorchSharp ships.</summary>
public static class TensorBoardReader
{
    public static Dictionary<string, List<(int Step, float Value)>> ReadScalars(string directory)
    {
        var files = Directory.GetFiles(directory, "events.out.tfevents.*").Order().ToList();
        Assert.NotEmpty(files);
        var result = new Dictionary<string, List<(int, float)>>();
        bool version = false;
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            int pos = 0;
            while (pos < bytes.Length)
            {
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos));
                Assert.Equal(Masked(Crc32C(bytes.AsSpan(pos, 8))), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8)));
                var data = bytes.AsSpan(pos + 12, (int)length);
                Assert.Equal(Masked(Crc32C(data)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 12 + (int)length)));
                var e = Tensorboard.Event.Parser.ParseFrom(data.ToArray());
                if (e.FileVersion.StartsWith("brain.Event:")) version = true;
                if (e.Summary is not null)
                    foreach (var v in e.Summary.Value)
                    {
                        if (!result.TryGetValue(v.Tag, out var list)) result[v.Tag] = list = [];
                        list.Add(((int)e.Step, v.SimpleValue));
                    }
                pos += 12 + (int)length + 4;
            }
        }
        Assert.True(version, "no file_version event (brain.Event:2) at the start of the event file");
        return result;
    }

    static readonly uint[] Table = Enumerable.Range(0, 256).Select(i =>
    {
        uint c = (uint)i;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    static uint Masked(uint crc) => ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
