using System.Numerics;

namespace Lottery.Training;

/// <summary>SGD as torch.optim.SGD (dampening 0): g += wd·p; b = μb + g; step along g + μb (Nesterov) or b;
/// fused with the mask in one SIMD pass.</summary>
public sealed class SgdOptimizer : IOptimizer
{
    readonly ParameterArena _arena;
    readonly float[] _buffer;
    readonly KeptState _kept;
    readonly float _momentum, _weightDecay;
    readonly bool _nesterov;

    public long StepCount { get; set; }
    public IReadOnlyDictionary<string, float[]> State
    {
        get
        {
            _kept.WriteBack();
            return new Dictionary<string, float[]> { ["sgd.momentum"] = _buffer };
        }
    }

    public void LoadState(string name, float[] arenaOrder)
    {
        if (name != "sgd.momentum") throw new ArgumentException($"SGD has no state '{name}'", nameof(name));
        arenaOrder.AsSpan().CopyTo(_buffer);
        _kept.Invalidate();
    }

    public SgdOptimizer(ParameterArena arena, double momentum = 0, bool nesterov = false, double weightDecay = 0)
    {
        _arena = arena;
        _buffer = GC.AllocateArray<float>((int)arena.Length, pinned: true);
        _kept = new KeptState(_buffer);
        (_momentum, _nesterov, _weightDecay) = ((float)momentum, nesterov, (float)weightDecay);
    }

    public void Step(double learningRate)
    {
        // torch initialises the buffer to the first gradient; with a zero buffer, μ·0 + g is the same thing.
        StepCount++;
        if (_arena.Active is not { } active)
        {
            Pass(0, (int)_arena.Length, (float)learningRate);
            return;
        }
        foreach (var (start, length) in active.Ranges) Pass(start, length, (float)learningRate);
        if (_arena.KeptGradient is { } gradient) Kept(active.Indices, gradient.ForStep(_arena.DenseGrad), _kept.For(active, 0), (float)learningRate);
    }

    void Pass(int start, int length, float lr)
    {
        Span<float> p = _arena.Data.Slice(start, length), g = _arena.DenseGrad.Slice(start, length), mask = _arena.MaskValues.Slice(start, length), b = _buffer.AsSpan(start, length);
        float mu = _momentum, wd = _weightDecay;
        int i = 0, width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vlr = new Vector<float>(lr); var vmu = new Vector<float>(mu); var vwd = new Vector<float>(wd);
            for (; i <= p.Length - width; i += width)
            {
                var vmask = new Vector<float>(mask[i..]);
                var vp = new Vector<float>(p[i..]);
                var vg = ParameterArena.Keep(new Vector<float>(g[i..]) + vwd * vp, vmask);
                var vb = vmu * new Vector<float>(b[i..]) + vg;
                var d = _nesterov ? vg + vmu * vb : vb;
                vp = ParameterArena.Keep(vp - vlr * d, vmask);
                vb.CopyTo(b[i..]); vp.CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            float gi = ParameterArena.Keep(g[i] + wd * p[i], mask[i]);
            b[i] = mu * b[i] + gi;
            float d = _nesterov ? gi + mu * b[i] : b[i];
            p[i] = ParameterArena.Keep(p[i] - lr * d, mask[i]);
        }
    }

    /// <summary>The update at kept positions only, the gradient and the momentum compacted in the positions' order
    /// (<see cref="KeptGradient"/>, <see cref="KeptState"/>).</summary>
    void Kept(int[] indices, ReadOnlySpan<float> g, float[] bKept, float lr)
    {
        Span<float> p = _arena.Data;
        float mu = _momentum, wd = _weightDecay;
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            float gi = g[k] + wd * p[i];
            float bk = bKept[k] = mu * bKept[k] + gi;
            float d = _nesterov ? gi + mu * bk : bk;
            p[i] = p[i] - lr * d;
        }
    }
}
