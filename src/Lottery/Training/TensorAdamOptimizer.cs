using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Training;

/// <summary>
/// <see cref="AdamOptimizer"/>'s arithmetic as tensor operations over the whole flat arena, for an arena on any device
/// (one pass of a few whole-arena operations per step, never one per parameter): the same L2 decay, bias-corrected
/// moments, denominator sqrt(v)/sqrt(1−β2^t) + ε and mask selects. Agrees with the SIMD pass to float rounding.
/// </summary>
public sealed class TensorAdamOptimizer : IOptimizer
{
    readonly ParameterArena _arena;
    readonly Tensor _m, _v;
    readonly double _beta1, _beta2, _eps, _weightDecay;

    public long StepCount { get; set; }

    public IReadOnlyDictionary<string, float[]> State => new Dictionary<string, float[]>
    {
        ["adam.m"] = ParameterArena.ReadAll(_m), ["adam.v"] = ParameterArena.ReadAll(_v),
    };

    public TensorAdamOptimizer(ParameterArena arena, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
    {
        _arena = arena;
        _m = zeros(arena.Length, dtype: ScalarType.Float32, device: arena.Device);
        _v = zeros(arena.Length, dtype: ScalarType.Float32, device: arena.Device);
        // The SIMD pass computes in float32 with these constants rounded to float: so does this one.
        (_beta1, _beta2, _eps, _weightDecay) = ((float)beta1, (float)beta2, (float)eps, (float)weightDecay);
    }

    public void LoadState(string name, float[] arenaOrder) => TensorSgdOptimizer.Copy(name == "adam.m" ? _m : name == "adam.v" ? _v
        : throw new ArgumentException($"Adam has no state '{name}'"), arenaOrder);

    public void Step(double learningRate)
    {
        StepCount++;
        var (stepSize, invSqrtBc2) = AdamOptimizer.BiasCorrection(learningRate, _beta1, _beta2, StepCount);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor p = _arena.DataTensor, mask = _arena.MaskTensor;
        // Explicit Scalars held by `using` until the calls return (see Scalars); the same float values as before.
        using Scalar weightDecay = _weightDecay.ToScalar(), beta1 = _beta1.ToScalar(), oneMinusBeta1 = (1 - _beta1).ToScalar(),
            beta2 = _beta2.ToScalar(), oneMinusBeta2 = (1 - _beta2).ToScalar(), correction = invSqrtBc2.ToScalar(), eps = _eps.ToScalar(),
            step = (-stepSize).ToScalar();
        var pruned = mask.eq(Scalars.Zero);
        var g = _weightDecay == 0 ? _arena.GradTensor.clone() : _arena.GradTensor.add(p, alpha: weightDecay);
        g.masked_fill_(pruned, Scalars.Zero);
        _m.mul_(beta1).add_(g, alpha: oneMinusBeta1);
        _v.mul_(beta2).addcmul_(g, g, value: oneMinusBeta2);
        var denom = _v.sqrt().mul_(correction).add_(eps, Scalars.One);
        p.addcdiv_(_m, denom, value: step);
        p.masked_fill_(pruned, Scalars.Zero);
    }
}
