using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Training;

/// <summary><see cref="SgdOptimizer"/>'s arithmetic (L2 decay, momentum buffer, Nesterov, mask selects) as a few
/// tensor operations over the whole flat arena, for an arena on any device.</summary>
public sealed class TensorSgdOptimizer : IOptimizer
{
    readonly ParameterArena _arena;
    readonly Tensor _buffer;
    readonly double _momentum, _weightDecay;
    readonly bool _nesterov;

    public long StepCount { get; set; }
    public IReadOnlyDictionary<string, float[]> State => new Dictionary<string, float[]> { ["sgd.momentum"] = ParameterArena.ReadAll(_buffer) };

    public TensorSgdOptimizer(ParameterArena arena, double momentum = 0, bool nesterov = false, double weightDecay = 0)
    {
        _arena = arena;
        _buffer = zeros(arena.Length, dtype: ScalarType.Float32, device: arena.Device);
        (_momentum, _nesterov, _weightDecay) = ((float)momentum, nesterov, (float)weightDecay);
    }

    public void LoadState(string name, float[] arenaOrder) =>
        Copy(name == "sgd.momentum" ? _buffer : throw new ArgumentException($"SGD has no state '{name}'"), arenaOrder);

    internal static void Copy(Tensor target, float[] arenaOrder)
    {
        if (arenaOrder.LongLength != target.numel())
            throw new ArgumentException($"optimizer state has {arenaOrder.Length} values, the arena {target.numel()}");
        using var host = tensor(arenaOrder);
        using var _ = no_grad();
        target.copy_(host);
    }

    public void Step(double learningRate)
    {
        StepCount++;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor p = _arena.DataTensor;
        // Explicit Scalars held by `using` until the calls return (see Scalars).
        using Scalar momentum = _momentum.ToScalar(), weightDecay = _weightDecay.ToScalar(), step = (-(float)learningRate).ToScalar();
        var pruned = _arena.MaskTensor.eq(Scalars.Zero);
        var g = _weightDecay == 0 ? _arena.GradTensor.clone() : _arena.GradTensor.add(p, alpha: weightDecay);
        g.masked_fill_(pruned, Scalars.Zero);
        _buffer.mul_(momentum).add_(g, Scalars.One);
        var d = _nesterov ? g.add(_buffer, alpha: momentum) : _buffer;
        p.add_(d, alpha: step);
        p.masked_fill_(pruned, Scalars.Zero);
    }
}
