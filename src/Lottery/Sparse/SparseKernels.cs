using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lottery.Sparse;

/// <summary>
/// The three products of a training step of a pruned linear layer (<see cref="SparseLayout"/>, column-major), on
/// feature-major activations (a feature's values for the whole batch contiguous, each row padded with zeros to whole
/// vectors: <see cref="Stride"/>), so that every kept weight is one vector multiply-add over the batch: System.Numerics
/// vectors of the machine's width (8 floats with AVX2, 16 with AVX-512; a scalar loop where there are no vector units). Each output sums its kept
/// inputs in column order, so results equal the dense product's to float rounding (libtorch's matrix multiply sums in
/// another order), not bit for bit; the same inputs always give the same bits.
/// </summary>
public static class SparseKernels
{
    /// <summary>The row length of a feature-major buffer for <paramref name="batch"/> examples: the batch rounded up to whole
    /// vectors, the padding zero, so that every kernel loop runs on whole vectors.</summary>
    public static int Stride(int batch) => (batch + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;

    /// <summary>yᵀ[o, :] = Σ_j w_oj · xᵀ[j, :] over the kept weights (<paramref name="values"/> in the layout's order; xᵀ:
    /// in × stride, yᵀ: out × stride, overwritten).</summary>
    public static void Forward(SparseLayout layout, ReadOnlySpan<float> values, ReadOnlySpan<float> xt, Span<float> yt, int stride)
    {
        yt[..(layout.Rows * stride)].Clear();
        var offsets = layout.ColumnOffsets;
        var rows = layout.RowIndices;
        for (int j = 0; j < layout.Columns; j++)
        {
            int start = offsets[j], end = offsets[j + 1];
            if (start == end) continue;
            var x = xt.Slice(j * stride, stride);
            for (int k = start; k < end; k++) Axpy(values[k], x, yt.Slice(rows[k] * stride, stride));
        }
    }

    /// <summary>dxᵀ[j, :] = Σ_o w_oj · dyᵀ[o, :] over the kept weights (dxᵀ: in × stride, overwritten).</summary>
    public static void InputGradient(SparseLayout layout, ReadOnlySpan<float> values, ReadOnlySpan<float> dyt, Span<float> dxt, int stride)
    {
        var offsets = layout.ColumnOffsets;
        var rows = layout.RowIndices;
        for (int j = 0; j < layout.Columns; j++)
        {
            var dx = dxt.Slice(j * stride, stride);
            dx.Clear();
            for (int k = offsets[j]; k < offsets[j + 1]; k++) Axpy(values[k], dyt.Slice(rows[k] * stride, stride), dx);
        }
    }

    /// <summary>grad[k] = dyᵀ[o, :] · xᵀ[j, :] for every kept weight w_oj (the weight gradient at kept positions only, in the
    /// layout's order), and gradBias[o] += Σ dyᵀ[o, :] (the padding is zero).</summary>
    public static void WeightGradient(SparseLayout layout, ReadOnlySpan<float> dyt, ReadOnlySpan<float> xt, Span<float> grad, Span<float> gradBias, int stride)
    {
        var offsets = layout.ColumnOffsets;
        var rows = layout.RowIndices;
        if (!gradBias.IsEmpty)
            for (int o = 0; o < layout.Rows; o++) gradBias[o] += Sum(dyt.Slice(o * stride, stride));
        for (int j = 0; j < layout.Columns; j++)
        {
            var x = xt.Slice(j * stride, stride);
            for (int k = offsets[j]; k < offsets[j + 1]; k++) grad[k] = Dot(dyt.Slice(rows[k] * stride, stride), x);
        }
    }

    /// <summary>y += a · x over whole vectors (the lengths are a stride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        int b = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            for (; b < y.Length; b += Vector<float>.Count) Store(Load(y, b) + va * Load(x, b), y, b);
        }
        for (; b < y.Length; b++) y[b] += a * x[b];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> x)
    {
        int b = 0;
        float dot = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var acc = Vector<float>.Zero;
            for (; b < a.Length; b += Vector<float>.Count) acc += Load(a, b) * Load(x, b);
            dot = Vector.Sum(acc);
        }
        for (; b < a.Length; b++) dot += a[b] * x[b];
        return dot;
    }

    static float Sum(ReadOnlySpan<float> values)
    {
        int b = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var acc = Vector<float>.Zero;
            for (; b < values.Length; b += Vector<float>.Count) acc += Load(values, b);
            sum = Vector.Sum(acc);
        }
        for (; b < values.Length; b++) sum += values[b];
        return sum;
    }

    // Loads and stores without bounds checks: every caller keeps at + Vector<float>.Count within the span.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector<float> Load(ReadOnlySpan<float> span, int at) =>
        Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), at)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector<float> Load(Span<float> span, int at) => Load((ReadOnlySpan<float>)span, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(Vector<float> value, Span<float> span, int at) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), at)), value);
}
