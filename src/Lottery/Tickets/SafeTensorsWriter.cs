using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Lottery.Tickets;

/// <summary>
/// Writes the safetensors format (huggingface/safetensors, the format PyTorch, JAX, TensorFlow and others load without
/// pickle): an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to its dtype, shape and
/// [begin, end) byte offsets into the data that follows (plus "__metadata__": string to string), padded with spaces
/// to a multiple of 8 so every tensor is aligned, then the tensors' little-endian bytes back to back, in header order,
/// without holes. float32 tensors are "F32", int64 ones (batch norm's batch count) "I64"; masks are "BOOL" (one byte, 0 or 1).
/// </summary>
public sealed class SafeTensorsWriter
{
    readonly List<(string Name, string Dtype, long[] Shape, byte[] Bytes)> _tensors = [];
    readonly SortedDictionary<string, string> _metadata = new(StringComparer.Ordinal);

    public SafeTensorsWriter Add(string name, long[] shape, float[] values)
    {
        Check(name, shape, values.LongLength);
        _tensors.Add((name, "F32", shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
        return this;
    }

    public SafeTensorsWriter Add(string name, long[] shape, long[] values)
    {
        Check(name, shape, values.LongLength);
        _tensors.Add((name, "I64", shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
        return this;
    }

    public SafeTensorsWriter Add(string name, long[] shape, bool[] values)
    {
        Check(name, shape, values.LongLength);
        _tensors.Add((name, "BOOL", shape, values.Select(v => v ? (byte)1 : (byte)0).ToArray()));
        return this;
    }

    public SafeTensorsWriter Metadata(string key, string value)
    {
        _metadata[key] = value;
        return this;
    }

    void Check(string name, long[] shape, long count)
    {
        if (name == "__metadata__" || _tensors.Any(t => t.Name == name)) throw new ArgumentException($"tensor name '{name}' is reserved or given twice");
        long expected = shape.Aggregate(1L, (a, b) => a * b);
        if (expected != count) throw new ArgumentException($"tensor '{name}' has {count} values, its shape [{string.Join(", ", shape)}] {expected}");
    }

    /// <summary>The file's bytes.</summary>
    public byte[] ToBytes()
    {
        var header = new JsonObject();
        if (_metadata.Count > 0)
        {
            var meta = new JsonObject();
            foreach (var (k, v) in _metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (name, dtype, shape, bytes) in _tensors)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + bytes.LongLength)),
            };
            offset += bytes.LongLength;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        using var stream = new MemoryStream();
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var t in _tensors) stream.Write(t.Bytes);
        return stream.ToArray();
    }
}
