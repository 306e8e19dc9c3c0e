using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lottery.Sparse;

/// <summary>
/// The three products of a training step of a pruned linear layer (<see cref="SparseLayout"/>, column-major), on
/// feature-major activations (a feature's values for the whole batch contiguous, each row padded with zeros to whole
/// vectors: <see cref="Stride"/>), so that every kept weight is one vector fused multiply-add over the batch:
/// System.Numerics vectors (8 floats: .NET keeps Vector&lt;float&gt; at 256 bits on AVX-512 machines too, and 512 bits
/// measured no faster here, the products being bound by loads; a scalar loop where there are no vector units). Each
/// output sums its kept inputs in column order, each step one fused multiply-add (one rounding: a step measured
/// 1.2–1.4× faster than a multiply then an add), so results equal the dense product's to float rounding (libtorch's
/// matrix multiply sums in another order), not bit for bit; the same inputs always give the same bits.
/// </summary>
public static class SparseKernels
{
    /// <summary>Vectors of the batch each kept weight is applied to at once in the row walk: eight independent sums keep both
    /// multiply-add units busy (four left the adder waiting on its own previous sum: 1.2–1.4× slower).</summary>
    public const int TileVectors = 8;

    /// <summary>The row length of a feature-major buffer for <paramref name="batch"/> examples: the batch rounded up to whole
    /// tiles of <see cref="TileVectors"/> vectors (64 floats with 8-float vectors: LeNet's and Conv-2's batch of 60 fills
    /// one), the padding zero, so that every kernel loop runs on whole tiles. From eight tiles on, an even number of tiles
    /// gets one more: rows a multiple of 512 bytes apart fall into a few cache sets, and the row walk, which reads one tile
    /// of every kept input's row, then misses where its 200 KB fit the cache (LeNet evaluating 1,000 examples at stride
    /// 1,024, rows 4 KB apart: fc1's forward at 3.6% 0.53–0.56 against 0.36–0.45 ms at 1,088; whole tickets' inference
    /// 7–19% faster, `lottery bench --run`, the machine otherwise idle).</summary>
    public static int Stride(int batch)
    {
        int tile = TileVectors * Vector<float>.Count;
        int tiles = (batch + tile - 1) / tile;
        if (tiles >= 8 && tiles % 2 == 0) tiles++;
        return tiles * tile;
    }

    /// <summary>Whether the forward product sums output rows from the compressed rows (<see cref="SumSegments"/>: each kept
    /// weight reads its input feature's tile, the outputs stay in registers) rather than adding each input feature into
    /// the outputs column by column (<see cref="Scatter"/>: each kept weight reads and writes an output row). The first
    /// is 1.2–2.5× faster wherever the input side (in × stride floats) stays in the last-level cache, which every
    /// training batch here does (LeNet's fc1 at batch 60: 27 against 49–64 µs; Conv-2's fc1: 0.70 against 0.88 ms at 3.6%);
    /// above it (Conv-2's fc1 evaluating 1,000 examples: 64 MB) each read misses and the column walk is 2.3× faster.
    /// Both sum every output in increasing input order from zero, so they give the same bits.</summary>
    internal static bool ForwardByRows(int columns, int stride) => (long)columns * stride * sizeof(float) <= 8L << 20;

    /// <summary>yᵀ[o, :] = Σ_j w_oj · xᵀ[j, :] over the kept weights (<paramref name="values"/> in the layout's column-major
    /// order, <paramref name="rowValues"/> the same in row-major order (<see cref="SparseLayout.ToRowOrder"/>; only read where
    /// <see cref="ForwardByRows"/>); xᵀ: in × stride, yᵀ: out × stride, overwritten).</summary>
    public static void Forward(SparseLayout layout, ReadOnlySpan<float> values, ReadOnlySpan<float> rowValues, ReadOnlySpan<float> xt, Span<float> yt, int stride) =>
        Forward(layout, values, rowValues, xt, yt, stride, ForwardByRows(layout.Columns, stride));

    /// <summary><see cref="Forward(SparseLayout, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/>
    /// by the walk given (the tests run both).</summary>
    internal static void Forward(SparseLayout layout, ReadOnlySpan<float> values, ReadOnlySpan<float> rowValues, ReadOnlySpan<float> xt, Span<float> yt, int stride, bool byRows)
    {
        if (byRows)
            SumSegments(layout.Rows, layout.RowOffsets, layout.RowColumns, rowValues, layout.Columns, xt, yt, stride);
        else
            Scatter(layout, values, xt, yt, stride);
    }

    /// <summary>yᵀ[o, b] += bias[o] for the batch's <paramref name="batch"/> columns (the padding stays zero): the same single
    /// float addition libtorch's broadcast add makes, so the bits equal the dense layer's order of operations.</summary>
    public static void AddRowBias(ReadOnlySpan<float> bias, Span<float> yt, int batch, int stride)
    {
        if (batch > stride || yt.Length < (long)bias.Length * stride)
            throw new ArgumentException($"bias of {bias.Length} rows does not fit a buffer of {yt.Length} floats at stride {stride}");
        int v = Vector<float>.Count;
        for (int o = 0; o < bias.Length; o++)
        {
            var row = yt.Slice(o * stride, batch);
            float b = bias[o];
            var add = new Vector<float>(b);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
                for (; i + v <= batch; i += v) (new Vector<float>(row.Slice(i)) + add).CopyTo(row.Slice(i));
            for (; i < batch; i++) row[i] += b;
        }
    }

    /// <summary>dxᵀ[j, :] = Σ_o w_oj · dyᵀ[o, :] over the kept weights (dxᵀ: in × stride, overwritten): column j's kept
    /// weights summed in registers, reading the output side (out × stride, small) only.</summary>
    public static void InputGradient(SparseLayout layout, ReadOnlySpan<float> values, ReadOnlySpan<float> dyt, Span<float> dxt, int stride) =>
        SumSegments(layout.Columns, layout.ColumnOffsets, layout.RowIndices, values, layout.Rows, dyt, dxt, stride);

    /// <summary>output[s, :] = Σ_k values[k] · input[indices[k], :] for k in segment s (offsets[s] .. offsets[s + 1]), in
    /// increasing k, from zero; input: inputRows × stride, output: segments × stride, overwritten. The batch is taken a tile of
    /// <see cref="TileVectors"/> vectors at a time (the stride is whole tiles), so that each segment's sums stay in registers
    /// and the input's tile is reused by every segment while it is in cache.</summary>
    static void SumSegments(int segments, int[] offsets, int[] indices, ReadOnlySpan<float> values, int inputRows, ReadOnlySpan<float> input, Span<float> output, int stride)
    {
        if (stride % (TileVectors * Vector<float>.Count) != 0 || offsets.Length != segments + 1 || values.Length < offsets[segments]
            || input.Length < (long)inputRows * stride || output.Length < (long)segments * stride)
            throw new ArgumentException($"sparse kernel buffers too small for {segments} segments of {inputRows} inputs at stride {stride} (a stride is whole tiles: SparseKernels.Stride)");
        if (!Vector.IsHardwareAccelerated)
        {
            for (int s = 0; s < segments; s++)
                for (int b = 0; b < stride; b++)
                {
                    float sum = 0;
                    for (int k = offsets[s]; k < offsets[s + 1]; k++) sum = MathF.FusedMultiplyAdd(values[k], input[indices[k] * stride + b], sum);
                    output[s * stride + b] = sum;
                }
            return;
        }
        // Bounds are checked above (every index below inputRows is the layout's guarantee); the loads below skip them.
        int v = Vector<float>.Count;
        ref float in0 = ref MemoryMarshal.GetReference(input);
        ref float out0 = ref MemoryMarshal.GetReference(output);
        ref float w0 = ref MemoryMarshal.GetReference(values);
        for (int t = 0; t < stride; t += TileVectors * v)
            for (int s = 0; s < segments; s++)
            {
                Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero, a2 = Vector<float>.Zero, a3 = Vector<float>.Zero;
                Vector<float> a4 = Vector<float>.Zero, a5 = Vector<float>.Zero, a6 = Vector<float>.Zero, a7 = Vector<float>.Zero;
                for (int k = offsets[s], end = offsets[s + 1]; k < end; k++)
                {
                    ref float x = ref Unsafe.Add(ref in0, indices[k] * stride + t);
                    var w = new Vector<float>(Unsafe.Add(ref w0, k));
                    a0 = Vector.FusedMultiplyAdd(w, Vector.LoadUnsafe(ref x), a0);
                    a1 = Vector.FusedMultiplyAdd(w, Vector.LoadUnsafe(ref x, (nuint)v), a1);
                    a2 = Vector.FusedMultiplyAdd(w, Vector.LoadUnsafe(ref x, (nuint)(2 * v)), a2);
                    a3 = Vector.FusedMultiplyAdd(w, Vector.LoadUnsafe(ref x, (nuint)(3 * v)), a3);
                    a4 = Vector.FusedMultiplyAdd(w, Vector.LoadUnsafe(ref x, (nuint)(4 * v)), a4);
                    a5 = Vector.FusedMultiplyAdd(w, Vector.LoadUnsafe(ref x, (nuint)(5 * v)), a5);
                    a6 = Vector.FusedMultiplyAdd(w, Vector.LoadUnsafe(ref x, (nuint)(6 * v)), a6);
                    a7 = Vector.FusedMultiplyAdd(w, Vector.LoadUnsafe(ref x, (nuint)(7 * v)), a7);
                }
                ref float y = ref Unsafe.Add(ref out0, s * stride + t);
                Vector.StoreUnsafe(a0, ref y);
                Vector.StoreUnsafe(a1, ref y, (nuint)v);
                Vector.StoreUnsafe(a2, ref y, (nuint)(2 * v));
                Vector.StoreUnsafe(a3, ref y, (nuint)(3 * v));
                Vector.StoreUnsafe(a4, ref y, (nuint)(4 * v));
                Vector.StoreUnsafe(a5, ref y, (nuint)(5 * v));
                Vector.StoreUnsafe(a6, ref y, (nuint)(6 * v));
                Vector.StoreUnsafe(a7, ref y, (nuint)(7 * v));
            }
    }

    /// <summary>The forward product column by column: yᵀ[o, :] += w_oj · xᵀ[j, :] for each kept weight, each input
    /// feature's tile read once (for inputs too large to stay in cache).</summary>
    static void Scatter(SparseLayout layout, ReadOnlySpan<float> values, ReadOnlySpan<float> xt, Span<float> yt, int stride)
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

    /// <summary>grad[k] = dyᵀ[o, :] · xᵀ[j, :] for every kept weight w_oj (the weight gradient at kept positions only, in the
    /// layout's order), and gradBias[o] += Σ dyᵀ[o, :] (the padding is zero).</summary>
    public static void WeightGradient(SparseLayout layout, ReadOnlySpan<float> dyt, ReadOnlySpan<float> xt, Span<float> grad, Span<float> gradBias, int stride)
    {
        var offsets = layout.ColumnOffsets;
        var rows = layout.RowIndices;
        if (!gradBias.IsEmpty)
            for (int o = 0; o < layout.Rows; o++) gradBias[o] += Sum(dyt.Slice(o * stride, stride));
        if (stride % Vector<float>.Count != 0 || xt.Length < (long)layout.Columns * stride || dyt.Length < (long)layout.Rows * stride
            || grad.Length < layout.Nonzeros)
            throw new ArgumentException($"sparse kernel buffers too small for a {layout.Rows}×{layout.Columns} layer at stride {stride}");
        for (int j = 0; j < layout.Columns; j++)
        {
            var x = xt.Slice(j * stride, stride);
            int k = offsets[j], end = offsets[j + 1];
            // Four of the column's kept weights at a time: x is loaded once for four dot products, and their four
            // independent sums keep the adder busy where one sum waits on its own previous addition (the gradient
            // ran at a quarter of the forward product's rate). Each sum is still Dot's, in Dot's order: same bits.
            if (Vector.IsHardwareAccelerated)
                for (; k + 4 <= end; k += 4)
                    Dot4(dyt, rows[k] * stride, rows[k + 1] * stride, rows[k + 2] * stride, rows[k + 3] * stride, x, grad.Slice(k, 4));
            for (; k < end; k++) grad[k] = Dot(dyt.Slice(rows[k] * stride, stride), x);
        }
    }

    /// <summary>result[i] = Dot(a[at_i .. at_i + x.Length], x) for four rows of <paramref name="a"/>, in one pass over x
    /// (whole vectors: x's length is a stride; the caller checked every row lies within <paramref name="a"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Dot4(ReadOnlySpan<float> a, int at0, int at1, int at2, int at3, ReadOnlySpan<float> x, Span<float> result)
    {
        ref float a0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), at0);
        ref float a1 = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), at1);
        ref float a2 = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), at2);
        ref float a3 = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), at3);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        Vector<float> s0 = Vector<float>.Zero, s1 = Vector<float>.Zero, s2 = Vector<float>.Zero, s3 = Vector<float>.Zero;
        for (nuint b = 0, n = (nuint)x.Length; b < n; b += (nuint)Vector<float>.Count)
        {
            var xv = Vector.LoadUnsafe(ref x0, b);
            s0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref a0, b), xv, s0);
            s1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref a1, b), xv, s1);
            s2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref a2, b), xv, s2);
            s3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref a3, b), xv, s3);
        }
        result[0] = Vector.Sum(s0);
        result[1] = Vector.Sum(s1);
        result[2] = Vector.Sum(s2);
        result[3] = Vector.Sum(s3);
    }

    /// <summary>xᵀ[j, b] = x[b, j]: a row-major batch × features matrix into a feature-major buffer at <paramref name="stride"/>
    /// (only the batch's columns are written; the padding keeps what it holds). 8 × 8 blocks, each read as 8 rows and
    /// written as 8 columns with AVX's unpack, shuffle and lane permutes; a scalar loop where there is no AVX and at the
    /// edges. A copy: the same bits. Against libtorch's copy of the transposed view (one thread, measured alone): 1,000
    /// LeNet inputs 107 against 326 µs, a training batch of 60 6.7 against 19 µs, Conv-2's 112 × 16,384 575 against 1,111 µs.</summary>
    public static void Transpose(ReadOnlySpan<float> x, int batch, int features, Span<float> xt, int stride)
    {
        if (batch > stride || x.Length < (long)batch * features || xt.Length < (long)features * stride)
            throw new ArgumentException($"a {batch} × {features} matrix does not fit buffers of {x.Length} and {xt.Length} floats at stride {stride}");
        int fullBatch = 0;
        if (Avx.IsSupported)
        {
            ref float src = ref MemoryMarshal.GetReference(x);
            ref float dst = ref MemoryMarshal.GetReference(xt);
            int fullFeatures = features / 8 * 8;
            fullBatch = batch / 8 * 8;
            // Eight features at a time down the whole batch: eight output rows filled sequentially. Wider bands write more
            // rows at once, and rows a multiple of 4 KB apart (a LeNet evaluation batch's stride of 1,024 floats) share
            // one set of an 8-way L1 cache: 16 at once ran 3× slower, 8 ran 3× faster than libtorch's copy.
            for (int j0 = 0; j0 < fullFeatures; j0 += 8)
                for (int b0 = 0; b0 < fullBatch; b0 += 8)
                    Transpose8x8(ref Unsafe.Add(ref src, (nint)b0 * features + j0), features, ref Unsafe.Add(ref dst, (nint)j0 * stride + b0), stride);
            for (int j = fullFeatures; j < features; j++)
                for (int b = 0; b < fullBatch; b++) xt[j * stride + b] = x[b * features + j];
        }
        for (int b = fullBatch; b < batch; b++)
            for (int j = 0; j < features; j++) xt[j * stride + b] = x[b * features + j];
    }

    /// <summary>The 8 × 8 block at <paramref name="src"/> (rows <paramref name="srcStride"/> apart) into <paramref name="dst"/>
    /// transposed (rows <paramref name="dstStride"/> apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Transpose8x8(ref float src, int srcStride, ref float dst, int dstStride)
    {
        var r0 = Vector256.LoadUnsafe(ref src);
        var r1 = Vector256.LoadUnsafe(ref src, (nuint)srcStride);
        var r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * srcStride));
        var r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * srcStride));
        var r4 = Vector256.LoadUnsafe(ref src, (nuint)(4 * srcStride));
        var r5 = Vector256.LoadUnsafe(ref src, (nuint)(5 * srcStride));
        var r6 = Vector256.LoadUnsafe(ref src, (nuint)(6 * srcStride));
        var r7 = Vector256.LoadUnsafe(ref src, (nuint)(7 * srcStride));
        // Pairs of rows interleaved, then pairs of pairs, then the 128-bit halves exchanged: column k of the block.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref dst);
        Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref dst, (nuint)dstStride);
        Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref dst, (nuint)(2 * dstStride));
        Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref dst, (nuint)(3 * dstStride));
        Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref dst, (nuint)(4 * dstStride));
        Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref dst, (nuint)(5 * dstStride));
        Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref dst, (nuint)(6 * dstStride));
        Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref dst, (nuint)(7 * dstStride));
    }

    /// <summary>y += a · x over whole vectors (the lengths are a stride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        int b = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            for (; b < y.Length; b += Vector<float>.Count) Store(Vector.FusedMultiplyAdd(va, Load(x, b), Load(y, b)), y, b);
        }
        for (; b < y.Length; b++) y[b] = MathF.FusedMultiplyAdd(a, x[b], y[b]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> x)
    {
        int b = 0;
        float dot = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var acc = Vector<float>.Zero;
            for (; b < a.Length; b += Vector<float>.Count) acc = Vector.FusedMultiplyAdd(Load(a, b), Load(x, b), acc);
            dot = Vector.Sum(acc);
        }
        for (; b < a.Length; b++) dot = MathF.FusedMultiplyAdd(a[b], x[b], dot);
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
