using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// A model's whole state as named float arrays: every parameter and every buffer (batch norm's running mean and
/// variance, and its batch count as a float). θ0, θk, checkpoints and final weights hold all of it, so resetting a
/// ticket or rewinding it resets batch-norm statistics together with the weights.
/// </summary>
public static class ModelState
{
    public static Dictionary<string, float[]> Of(nn.Module model)
    {
        var state = model.named_parameters().ToDictionary(p => p.name, p => Floats(p.parameter));
        foreach (var (name, values) in Buffers(model)) state[name] = values;
        return state;
    }

    /// <summary>The buffers alone (a parameter arena already holds the parameters).</summary>
    public static Dictionary<string, float[]> Buffers(nn.Module model) =>
        model.named_buffers().ToDictionary(b => b.name, b => Floats(b.buffer));

    /// <summary>Copies the buffers of <paramref name="state"/> into the model (parameters are the arena's business).</summary>
    public static void LoadBuffers(nn.Module model, IReadOnlyDictionary<string, float[]> state)
    {
        using var _ = no_grad();
        foreach (var (name, buffer) in model.named_buffers())
        {
            if (!state.TryGetValue(name, out var values))
                throw new InvalidDataException($"weights have no buffer '{name}'");
            if (values.LongLength != buffer.numel())
                throw new InvalidDataException($"buffer '{name}' has {values.Length} values, the model {buffer.numel()}");
            using var source = tensor(values).view(buffer.shape);
            buffer.copy_(source);
        }
    }

    static float[] Floats(Tensor t)
    {
        using var f = t.detach().cpu().to(ScalarType.Float32).contiguous();
        return f.data<float>().ToArray();
    }
}
