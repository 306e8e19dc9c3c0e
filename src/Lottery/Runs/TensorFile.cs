using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Lottery.Runs;

/// <summary>
/// Named float32 and boolean arrays plus string metadata in one self-checking file: a magic line, a JSON
/// header, the raw little-endian data, and a SHA-256 of everything before it. A truncated or altered file
/// fails the check and is reported by name instead of being silently reused.
/// </summary>
public sealed class TensorFile
{
    static readonly byte[] Magic = "LOTTERY-TENSORS\n"u8.ToArray();

    public Dictionary<string, float[]> Floats { get; } = new();
    public Dictionary<string, bool[]> Bools { get; } = new();
    public Dictionary<string, string> Meta { get; } = new();

    sealed record Entry(string Name, string Dtype, long Length);
    sealed record Header(Dictionary<string, string> Meta, List<Entry> Tensors);

    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Put(ReadOnlySpan<byte> bytes) { hash.AppendData(bytes); stream.Write(bytes); }
        var entries = Floats.Select(kv => new Entry(kv.Key, "f32", kv.Value.LongLength))
            .Concat(Bools.Select(kv => new Entry(kv.Key, "bool", kv.Value.LongLength))).ToList();
        var header = JsonSerializer.SerializeToUtf8Bytes(new Header(Meta, entries));
        Put(Magic);
        Put(BitConverter.GetBytes((long)header.Length));
        Put(header);
        foreach (var (_, values) in Floats) Put(MemoryMarshal.AsBytes(values.AsSpan()));
        foreach (var (_, values) in Bools) Put(MemoryMarshal.AsBytes(values.AsSpan()));
        stream.Write(hash.GetHashAndReset());
    });

    public static TensorFile Load(string path)
    {
        if (!File.Exists(path)) throw new RunFileException($"{path} is missing");
        byte[] bytes = File.ReadAllBytes(path);
        string Corrupt(string why) =>
            $"{path} is corrupted ({why}): delete it and re-run the command to recompute it";
        if (bytes.Length < Magic.Length + 8 + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new RunFileException(Corrupt("not a lottery tensor file, or truncated"));
        var body = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new RunFileException(Corrupt("checksum mismatch: truncated or altered"));
        long headerLength = BitConverter.ToInt64(bytes, Magic.Length);
        int offset = Magic.Length + 8;
        var header = JsonSerializer.Deserialize<Header>(bytes.AsSpan(offset, (int)headerLength))
            ?? throw new RunFileException(Corrupt("empty header"));
        offset += (int)headerLength;
        var file = new TensorFile();
        foreach (var (k, v) in header.Meta) file.Meta[k] = v;
        foreach (var entry in header.Tensors)
        {
            if (entry.Dtype == "f32")
            {
                var values = new float[entry.Length];
                var span = MemoryMarshal.AsBytes(values.AsSpan());
                bytes.AsSpan(offset, span.Length).CopyTo(span);
                offset += span.Length;
                file.Floats[entry.Name] = values;
            }
            else
            {
                var values = new bool[entry.Length];
                for (long i = 0; i < entry.Length; i++) values[i] = bytes[offset + i] != 0;
                offset += (int)entry.Length;
                file.Bools[entry.Name] = values;
            }
        }
        if (offset != body.Length) throw new RunFileException(Corrupt("length does not match its header"));
        return file;
    }

    public string MetaValue(string key, string path) =>
        Meta.TryGetValue(key, out var v) ? v : throw new RunFileException($"{path} lacks '{key}': delete it and re-run the command");
}
