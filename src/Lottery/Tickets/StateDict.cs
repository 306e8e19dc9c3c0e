using Lottery.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Tickets;

/// <summary>
/// TorchSharp's own state-dict format (what <c>module.save</c> writes and <c>module.load</c> reads), written from
/// flat arrays without the network: the entry count (LEB128), then per entry its name (a .NET length-prefixed
/// string) and the tensor as TorchSharp saves one (dtype, rank, dimensions, raw bytes).
/// </summary>
public static class StateDict
{
    public static void Write(Stream stream, IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, float[]> values)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write7BitEncodedInt64(tensors.Count);
        foreach (var t in tensors)
        {
            writer.Write(t.Name);
            using var flat = torch.tensor(values[t.Name]);
            using var typed = t.Dtype == nameof(ScalarType.Float32) ? flat.alias() : flat.to_type(Enum.Parse<ScalarType>(t.Dtype));
            using var shaped = typed.reshape(t.Shape);
            shaped.Save(writer);
        }
    }
}
