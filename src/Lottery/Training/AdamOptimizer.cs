using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lottery.Training;

/// <summary>
/// Adam exactly as torch.optim.Adam (L2 weight decay added to the gradient, bias-corrected moments,
/// denominator sqrt(v)/sqrt(1−β2^t) + ε), fused into one SIMD pass over the arena with the mask.
/// TorchSharp's Adam issues ~10 tensor ops per parameter tensor; this is one loop over contiguous memory.
/// </summary>
public sealed class AdamOptimizer : IOptimizer
{
    readonly ParameterArena _arena;
    readonly float[] _m, _v;
    readonly KeptState _kept;
    readonly float _beta1, _beta2, _eps, _weightDecay;

    public long StepCount { get; set; }

    public IReadOnlyDictionary<string, float[]> State
    {
        get
        {
            _kept.WriteBack();
            return new Dictionary<string, float[]> { ["adam.m"] = _m, ["adam.v"] = _v };
        }
    }

    public void LoadState(string name, float[] arenaOrder)
    {
        arenaOrder.AsSpan().CopyTo(name switch { "adam.m" => _m, "adam.v" => _v, _ => throw new ArgumentException($"Adam has no state '{name}'", nameof(name)) });
        _kept.Invalidate();
    }

    public AdamOptimizer(ParameterArena arena, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
    {
        _arena = arena;
        _m = GC.AllocateArray<float>((int)arena.Length, pinned: true);
        _v = GC.AllocateArray<float>((int)arena.Length, pinned: true);
        _kept = new KeptState(_m, _v);
        (_beta1, _beta2, _eps, _weightDecay) = ((float)beta1, (float)beta2, (float)eps, (float)weightDecay);
    }

    /// <summary>Adam's bias corrections at step <paramref name="step"/> (1-based): the step size lr/(1−β1^t) and
    /// 1/sqrt(1−β2^t), computed in double and rounded to float as both optimizer paths use them.</summary>
    public static (float StepSize, float InvSqrtBc2) BiasCorrection(double learningRate, double beta1, double beta2, long step) =>
        ((float)(learningRate / (1 - Math.Pow(beta1, step))), (float)(1 / Math.Sqrt(1 - Math.Pow(beta2, step))));

    public void Step(double learningRate)
    {
        StepCount++;
        var (stepSize, invSqrtBc2) = BiasCorrection(learningRate, _beta1, _beta2, StepCount);
        if (_arena.Active is not { } active)
        {
            Pass(0, (int)_arena.Length, stepSize, invSqrtBc2);
            return;
        }
        foreach (var (start, length) in active.Ranges) Pass(start, length, stepSize, invSqrtBc2);
        if (_arena.KeptGradient is { } gradient)
            Kept(active.Indices, gradient.ForStep(_arena.DenseGrad), _kept.For(active, 0), _kept.For(active, 1), stepSize, invSqrtBc2);
    }

    /// <summary>One masked SIMD pass over positions start .. start + length.</summary>
    void Pass(int start, int length, float stepSize, float invSqrtBc2)
    {
        Span<float> p = _arena.Data.Slice(start, length), g = _arena.DenseGrad.Slice(start, length), mask = _arena.MaskValues.Slice(start, length);
        Span<float> m = _m.AsSpan(start, length), v = _v.AsSpan(start, length);
        float b1 = _beta1, b2 = _beta2, ob1 = 1 - _beta1, ob2 = 1 - _beta2, eps = _eps, wd = _weightDecay;

        int i = 0;
        int width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vb1 = new Vector<float>(b1); var vb2 = new Vector<float>(b2);
            var vob1 = new Vector<float>(ob1); var vob2 = new Vector<float>(ob2);
            var veps = new Vector<float>(eps); var vwd = new Vector<float>(wd);
            var vstep = new Vector<float>(stepSize); var vinv = new Vector<float>(invSqrtBc2);
            for (; i <= p.Length - width; i += width)
            {
                var vmask = new Vector<float>(mask[i..]);
                var vp = new Vector<float>(p[i..]);
                var vg = ParameterArena.Keep(new Vector<float>(g[i..]) + vwd * vp, vmask);
                var vm = vb1 * new Vector<float>(m[i..]) + vob1 * vg;
                var vv = vb2 * new Vector<float>(v[i..]) + vob2 * vg * vg;
                var denom = Vector.SquareRoot(vv) * vinv + veps;
                vp = ParameterArena.Keep(vp - vstep * vm / denom, vmask);
                vm.CopyTo(m[i..]); vv.CopyTo(v[i..]); vp.CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            float gi = ParameterArena.Keep(g[i] + wd * p[i], mask[i]);
            m[i] = b1 * m[i] + ob1 * gi;
            v[i] = b2 * v[i] + ob2 * gi * gi;
            float denom = MathF.Sqrt(v[i]) * invSqrtBc2 + eps;
            p[i] = ParameterArena.Keep(p[i] - stepSize * m[i] / denom, mask[i]);
        }
    }

    /// <summary>The same update at kept positions only (all alive, so no mask): the same arithmetic, element by element,
    /// the gradient and the moments compacted in the positions' order (<see cref="KeptGradient"/>, <see cref="KeptState"/>),
    /// eight positions at a time where 256-bit vectors run (the weights gathered through the index and scattered back).
    /// Vectors change no bit: each lane is the scalar operation, in the same order, rounded the same way.</summary>
    void Kept(int[] indices, ReadOnlySpan<float> gKept, float[] mKept, float[] vKept, float stepSize, float invSqrtBc2)
    {
        // References instead of span indexing: the indices come from the arena's own mask, all within its length.
        ref float p = ref MemoryMarshal.GetReference(_arena.Data);
        float b1 = _beta1, b2 = _beta2, ob1 = 1 - _beta1, ob2 = 1 - _beta2, eps = _eps, wd = _weightDecay;
        int n = indices.Length;
        if (mKept.Length != n || vKept.Length != n || gKept.Length != n) throw new InvalidOperationException("Adam's kept state does not match the kept positions");
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vb1 = Vector256.Create(b1); var vb2 = Vector256.Create(b2);
            var vob1 = Vector256.Create(ob1); var vob2 = Vector256.Create(ob2);
            var veps = Vector256.Create(eps); var vwd = Vector256.Create(wd);
            var vstep = Vector256.Create(stepSize); var vinv = Vector256.Create(invSqrtBc2);
            ref int index = ref MemoryMarshal.GetArrayDataReference(indices);
            for (; k <= n - 8; k += 8)
            {
                var at = Vector256.LoadUnsafe(ref index, (nuint)k);
                var vp = Vector256.Create(
                    Unsafe.Add(ref p, at.GetElement(0)), Unsafe.Add(ref p, at.GetElement(1)), Unsafe.Add(ref p, at.GetElement(2)), Unsafe.Add(ref p, at.GetElement(3)),
                    Unsafe.Add(ref p, at.GetElement(4)), Unsafe.Add(ref p, at.GetElement(5)), Unsafe.Add(ref p, at.GetElement(6)), Unsafe.Add(ref p, at.GetElement(7)));
                var vg = Vector256.Create(gKept.Slice(k, 8)) + vwd * vp;
                var vm = vb1 * Vector256.Create(mKept, k) + vob1 * vg;
                var vv = vb2 * Vector256.Create(vKept, k) + vob2 * vg * vg;
                var denom = Vector256.Sqrt(vv) * vinv + veps;
                vp = vp - vstep * vm / denom;
                vm.CopyTo(mKept, k);
                vv.CopyTo(vKept, k);
                for (int j = 0; j < 8; j++) Unsafe.Add(ref p, at.GetElement(j)) = vp.GetElement(j);
            }
        }
        for (; k < n; k++)
        {
            ref float pi = ref Unsafe.Add(ref p, indices[k]);
            ref float mi = ref mKept[k];
            ref float vi = ref vKept[k];
            float gi = gKept[k] + wd * pi;
            mi = b1 * mi + ob1 * gi;
            vi = b2 * vi + ob2 * gi * gi;
            float denom = MathF.Sqrt(vi) * invSqrtBc2 + eps;
            pi = pi - stepSize * mi / denom;
        }
    }
}
