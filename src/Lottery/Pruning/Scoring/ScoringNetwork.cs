using Lottery.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Pruning.Scoring;

/// <summary>
/// A fresh copy of the run's network holding a stage's starting weights under a mask, in evaluation mode (batch norm
/// on its running statistics, no dropout), as the reference code scores (Synaptic-Flow's prune loop calls model.eval()),
/// with its prunable weights at hand; placed where the data is. Disposing it frees the network.
/// </summary>
public sealed class ScoringNetwork : IDisposable
{
    public LotteryModel Model { get; }
    /// <summary>The prunable weights, in the network's order (the tensors of <see cref="ScoreContext.Tensors"/>).</summary>
    public IReadOnlyList<(string Name, Tensor Weight)> Weights { get; }

    public ScoringNetwork(ScoreContext context, Mask mask, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        Model = context.CreateModel();
        if (device is not null && device.type != DeviceType.CPU) Model.to(device);
        Load(context.Start, mask);
        if (dtype != ScalarType.Float32) Model.to(dtype);
        Model.eval();
        var parameters = Model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        Weights = context.Tensors.Select(t => (t.Name, parameters[t.Name])).ToList();
    }

    /// <summary>Sets every parameter and buffer from <paramref name="state"/>, pruned weights zero.</summary>
    public void Load(IReadOnlyDictionary<string, float[]> state, Mask mask)
    {
        using var _ = no_grad();
        foreach (var (name, p) in Model.named_parameters())
        {
            if (!state.TryGetValue(name, out var values))
                throw new InvalidDataException($"weights have no tensor '{name}'");
            if (mask.Contains(name))
            {
                values = (float[])values.Clone();
                var alive = mask[name];
                for (int i = 0; i < values.Length; i++) if (!alive[i]) values[i] = 0;
            }
            using var source = tensor(values, device: p.device).view(p.shape).to(p.dtype);
            p.copy_(source);
        }
        ModelState.LoadBuffers(Model, state);
    }

    /// <summary>A weight-shaped tensor as a float array in standard order.</summary>
    public static float[] Floats(Tensor t)
    {
        using var f = t.detach().cpu().to(ScalarType.Float32).contiguous().view(-1);
        return f.data<float>().ToArray();
    }

    public void Dispose() => Model.Dispose();
}

/// <summary>The examples a data-dependent score looks at, drawn from the training split by the stage's score seed.</summary>
public static class ScoreData
{
    /// <summary>The first <paramref name="batches"/> batches of <paramref name="batchSize"/> of a seeded permutation of the
    /// training split (a batch may be short when the split is smaller).</summary>
    public static IReadOnlyList<(Tensor X, Tensor Y)> Batches(Data.TensorDataset train, int batches, int batchSize, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var order = randperm(train.Count, generator: generator);
        var list = new List<(Tensor, Tensor)>();
        for (int b = 0; b < batches; b++)
        {
            long start = (long)b * batchSize;
            if (start >= train.Count) break;
            using var idx = order.narrow(0, start, Math.Min(batchSize, train.Count - start)).to(train.Images.device);
            list.Add((train.Images.index_select(0, idx), train.Labels.index_select(0, idx)));
        }
        return list;
    }

    /// <summary><paramref name="perClass"/> examples of every class (fewer where a class has fewer), in the order of a seeded
    /// permutation of the training split: GraSP's class-balanced sample (GraSP_fetch_data).</summary>
    public static (Tensor X, Tensor Y) Balanced(Data.TensorDataset train, int classes, int perClass, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var order = randperm(train.Count, generator: generator);
        var labels = train.Labels.cpu().data<long>().ToArray();
        var counts = new int[classes];
        var chosen = new List<long>();
        foreach (var i in order.data<long>().ToArray())
        {
            int c = (int)labels[i];
            if (c < 0 || c >= classes || counts[c] >= perClass) continue;
            counts[c]++;
            chosen.Add(i);
            if (chosen.Count == (long)classes * perClass) break;
        }
        using var idx = tensor(chosen.ToArray(), device: train.Images.device);
        return (train.Images.index_select(0, idx), train.Labels.index_select(0, idx));
    }
}
