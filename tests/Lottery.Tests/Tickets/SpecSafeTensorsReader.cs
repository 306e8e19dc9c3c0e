using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Lottery.Tests.Tickets;

/// <summary>
/// A safetensors reader written from the format's specification alone (huggingface/safetensors README), sharing no
/// code with the writer: 8 bytes little-endian unsigned header size N; N bytes of UTF-8 JSON, an object mapping
/// each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} relative to the byte buffer that follows,
/// plus an optional "__metadata__" object of strings; the buffer must be entirely indexed, without holes or overlaps.
/// It rejects what the specification forbids, so a file it reads is one any conforming reader reads.
/// </summary>
public sealed class SpecSafeTensorsReader
{
    public sealed record Entry(string Dtype, long[] Shape, byte[] Bytes);

    public Dictionary<string, Entry> Tensors { get; } = new();
    public Dictionary<string, string> Metadata { get; } = new();
    public ulong HeaderSize { get; }

    static readonly Dictionary<string, int> ElementSize = new()
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4, ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    public SpecSafeTensorsReader(byte[] file)
    {
        if (file.Length < 8) throw new InvalidDataException("shorter than the 8-byte header size");
        HeaderSize = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(0, 8));
        if (HeaderSize > (ulong)(file.Length - 8)) throw new InvalidDataException("header size beyond the file");
        var headerBytes = file.AsSpan(8, (int)HeaderSize);
        if (headerBytes.Length == 0 || headerBytes[0] != (byte)'{') throw new InvalidDataException("header must start with '{'");
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(headerBytes).TrimEnd(' '));
        var buffer = file.AsSpan(8 + (int)HeaderSize);
        var spans = new List<(long Begin, long End)>();
        foreach (var property in header.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                foreach (var m in property.Value.EnumerateObject())
                    Metadata[m.Name] = m.Value.GetString() ?? throw new InvalidDataException("metadata values are strings");
                continue;
            }
            var dtype = property.Value.GetProperty("dtype").GetString()!;
            if (!ElementSize.TryGetValue(dtype, out var size)) throw new InvalidDataException($"unknown dtype {dtype}");
            var shape = property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] > offsets[1] || offsets[1] > buffer.Length) throw new InvalidDataException($"{property.Name}: bad offsets");
            if (offsets[1] - offsets[0] != shape.Aggregate(1L, (a, b) => a * b) * size)
                throw new InvalidDataException($"{property.Name}: byte length does not match shape and dtype");
            spans.Add((offsets[0], offsets[1]));
            Tensors[property.Name] = new Entry(dtype, shape, buffer[(int)offsets[0]..(int)offsets[1]].ToArray());
        }
        long covered = 0;
        foreach (var (begin, end) in spans.OrderBy(s => s.Begin))
        {
            if (begin != covered) throw new InvalidDataException($"hole or overlap at byte {covered} of the buffer");
            covered = end;
        }
        if (covered != buffer.Length) throw new InvalidDataException("the buffer is not entirely indexed");
    }

    public float[] Floats(string name)
    {
        var e = Tensors[name];
        if (e.Dtype != "F32") throw new InvalidDataException($"{name} is {e.Dtype}");
        var values = new float[e.Bytes.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(e.Bytes.AsSpan(4 * i));
        return values;
    }

    public long[] Longs(string name)
    {
        var e = Tensors[name];
        if (e.Dtype != "I64") throw new InvalidDataException($"{name} is {e.Dtype}");
        var values = new long[e.Bytes.Length / 8];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(e.Bytes.AsSpan(8 * i));
        return values;
    }

    public bool[] Bools(string name)
    {
        var e = Tensors[name];
        if (e.Dtype != "BOOL") throw new InvalidDataException($"{name} is {e.Dtype}");
        if (e.Bytes.Any(b => b > 1)) throw new InvalidDataException($"{name}: a BOOL byte is neither 0 nor 1");
        return e.Bytes.Select(b => b == 1).ToArray();
    }
}
