using Lottery.Models;
using Lottery.Pruning;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Training;

/// <summary>
/// All of a model's parameters, gradients and the pruning mask, each in one contiguous .NET array shared with
/// libtorch (torch.frombuffer). The module's parameters are re-homed as views into the arena and their .grad
/// is preset to views of the gradient arena, which autograd then accumulates into in place. Why: the optimizer
/// and mask become single fused passes over three arrays instead of dozens of small tensor ops per step.
/// Convolution weights (4-D) live in the arena channels-last (O, kh, kw, I), which libtorch's CPU convolutions run
/// faster on (measured at 2 threads, forward+backward / forward: ResNet-20 −25% / −25 to −50%, Conv-4 −20% / −33%,
/// Conv-6 −5% / −25%, VGG-19 −3% / −5%), while every state that leaves the arena (snapshots, weight files, masks,
/// checkpoints) is in PyTorch's standard (O, I, kh, kw) order, so files do not depend on the layout.
/// On another device than the CPU (or on the CPU when asked, to test that path), the three arrays are libtorch tensors
/// on that device instead (<see cref="OnHost"/> false): the optimizer is then a few tensor operations over the whole
/// arena per step (<see cref="TensorAdamOptimizer"/>, <see cref="TensorSgdOptimizer"/>), and the host spans are unavailable.
/// </summary>
public sealed class ParameterArena : IDisposable
{
    /// <param name="ChannelsLast">The slot holds a 4-D weight in (O, kh, kw, I) order; <c>ToStandard</c> and
    /// <c>FromStandard</c> convert to and from the standard (O, I, kh, kw) order.</param>
    public sealed record Slot(string Name, long Offset, long Count, long[] Shape, bool Prunable, bool ChannelsLast);

    readonly float[]? _data, _grad, _mask;
    readonly Tensor _dataTensor, _gradTensor, _maskTensor;
    readonly List<Slot> _slots = [];
    readonly Dictionary<string, Slot> _byName = [];

    public LotteryModel Model { get; }
    public long Length { get; }
    public IReadOnlyList<Slot> Slots => _slots;
    /// <summary>True when the arena is .NET memory shared with libtorch (the CPU's fused SIMD path); false when it is a
    /// libtorch tensor on <see cref="Device"/>.</summary>
    public bool OnHost => _data is not null;
    public Device Device { get; }
    public Span<float> Data => _data ?? throw HostOnly();
    /// <summary>The gradient, whole: the slots sparse layers write compacted (<see cref="KeptGradient"/>) are brought into it first.</summary>
    public Span<float> Grad
    {
        get
        {
            BringKeptGradientIn();
            return _grad ?? throw HostOnly();
        }
    }
    /// <summary>The dense gradient as the step writes it: complete except for the slots claimed in <see cref="KeptGradient"/>.
    /// What the optimizers' masked passes read (they never cover a claimed slot) and sparse layers write their biases into.</summary>
    internal Span<float> DenseGrad => _grad ?? throw HostOnly();
    /// <summary>1 for a weight that lives, 0 for a pruned one; always 1 for biases.</summary>
    public Span<float> MaskValues => _mask ?? throw HostOnly();
    /// <summary>The whole arena as one flat tensor (weights, gradients, mask), on <see cref="Device"/>.</summary>
    public Tensor DataTensor => _dataTensor;
    public Tensor GradTensor
    {
        get
        {
            BringKeptGradientIn();
            return _gradTensor;
        }
    }
    public Tensor MaskTensor => _maskTensor;

    InvalidOperationException HostOnly() => new($"the parameter arena lives on {Device} as a tensor: use DataTensor, GradTensor, MaskTensor");

    /// <summary>The default layout of convolution weights: channels-last unless LOTTERY_CONV_LAYOUT=standard.</summary>
    public static bool ChannelsLastByDefault => Environment.GetEnvironmentVariable("LOTTERY_CONV_LAYOUT") != "standard";

    /// <param name="device">Where the arena lives (default CPU); the model's buffers are moved there too.</param>
    /// <param name="onHost">On the CPU: .NET memory with the SIMD optimizers (default, unless LOTTERY_ARENA=tensor), or
    /// false for the tensor path every other device takes (to test it here). Other devices always take the tensor path.</param>
    public ParameterArena(LotteryModel model, bool? channelsLast = null, Device? device = null, bool? onHost = null)
    {
        bool convChannelsLast = channelsLast ?? ChannelsLastByDefault;
        Model = model;
        Native.ConvolutionBackends.GuardAgainstPaddedChannels(model);
        Device = device ?? CPU;
        bool host = (onHost ?? Environment.GetEnvironmentVariable("LOTTERY_ARENA") != "tensor") && Device.type == DeviceType.CPU;
        if (Device.type != DeviceType.CPU) model.to(Device);
        var prunable = model.PrunableTensors.Select(t => t.Name).ToHashSet();
        var named = model.named_parameters().ToList();
        long total = 0;
        foreach (var (name, p) in named)
        {
            var slot = new Slot(name, total, p.numel(), p.shape, prunable.Contains(name), convChannelsLast && p.dim() == 4);
            _slots.Add(slot);
            _byName[name] = slot;
            total += slot.Count;
        }
        if (total > Array.MaxLength) throw new NotSupportedException($"model has {total} parameters: more than one arena holds");
        Length = total;
        if (host)
        {
            _data = GC.AllocateArray<float>((int)total, pinned: true);
            _grad = GC.AllocateArray<float>((int)total, pinned: true);
            _mask = GC.AllocateArray<float>((int)total, pinned: true);
            Array.Fill(_mask, 1f);
            _dataTensor = torch.frombuffer(_data, ScalarType.Float32, total, 0, false);
            _gradTensor = torch.frombuffer(_grad, ScalarType.Float32, total, 0, false);
            _maskTensor = torch.frombuffer(_mask, ScalarType.Float32, total, 0, false);
        }
        else
        {
            _dataTensor = torch.zeros(total, dtype: ScalarType.Float32, device: Device);
            _gradTensor = torch.zeros(total, dtype: ScalarType.Float32, device: Device);
            _maskTensor = torch.ones(total, dtype: ScalarType.Float32, device: Device);
        }

        using (no_grad())
        {
            foreach (var (name, p) in named)
            {
                var slot = _byName[name];
                var view = View(_dataTensor, slot);
                view.copy_(p);
                // set_ points the parameter itself at the arena view (storage, offset, shape, strides), so every
                // layer type keeps using the object it holds: no per-layer-type code, any module tree works.
                // set_ returns the same handle, so its result is not disposed.
                _ = p.set_(view);
                p.grad = View(_gradTensor, slot);
            }
        }
    }

    /// <summary>The slot as a tensor of the parameter's shape: contiguous, or channels-last strides over (O, kh, kw, I).</summary>
    static Tensor View(Tensor arena, Slot slot)
    {
        var flat = arena.narrow(0, slot.Offset, slot.Count);
        if (!slot.ChannelsLast) return flat.view(slot.Shape);
        var s = slot.Shape;
        return flat.view(s[0], s[2], s[3], s[1]).permute(0, 3, 1, 2);
    }

    /// <summary>Copies a slot's values from arena order into standard (O, I, kh, kw) order.</summary>
    public static void ToStandard(Slot slot, ReadOnlySpan<float> arenaOrder, Span<float> standard) =>
        Reorder(slot, arenaOrder, standard, toStandard: true);

    /// <summary>Copies a slot's values from standard (O, I, kh, kw) order into arena order.</summary>
    public static void FromStandard(Slot slot, ReadOnlySpan<float> standard, Span<float> arenaOrder) =>
        Reorder(slot, standard, arenaOrder, toStandard: false);

    /// <summary>Element (o, i, k) with k = kh·kw position sits at (o·hw + k)·I + i in arena order and at
    /// (o·I + i)·hw + k in standard order.</summary>
    static void Reorder(Slot slot, ReadOnlySpan<float> source, Span<float> target, bool toStandard)
    {
        if (!slot.ChannelsLast) { source.CopyTo(target); return; }
        int o = (int)slot.Shape[0], c = (int)slot.Shape[1], hw = (int)(slot.Shape[2] * slot.Shape[3]);
        for (int a = 0; a < o; a++)
            for (int k = 0; k < hw; k++)
                for (int i = 0; i < c; i++)
                {
                    int arena = (a * hw + k) * c + i, standard = (a * c + i) * hw + k;
                    if (toStandard) target[standard] = source[arena];
                    else target[arena] = source[standard];
                }
    }

    /// <summary>A whole arena-sized array (weights or optimizer state) in standard order, slot by slot: what a
    /// checkpoint stores, so that checkpoints do not depend on the arena's layout.</summary>
    public float[] ToStandard(ReadOnlySpan<float> arenaOrder)
    {
        var standard = new float[arenaOrder.Length];
        foreach (var slot in _slots)
            ToStandard(slot, arenaOrder.Slice((int)slot.Offset, (int)slot.Count), standard.AsSpan((int)slot.Offset, (int)slot.Count));
        return standard;
    }

    /// <summary>The inverse of <see cref="ToStandard(ReadOnlySpan{float})"/>, into <paramref name="arenaOrder"/>.</summary>
    public void FromStandard(ReadOnlySpan<float> standard, Span<float> arenaOrder)
    {
        foreach (var slot in _slots)
            FromStandard(slot, standard.Slice((int)slot.Offset, (int)slot.Count), arenaOrder.Slice((int)slot.Offset, (int)slot.Count));
    }

    public Slot this[string name] => _byName.TryGetValue(name, out var s) ? s
        : throw new KeyNotFoundException($"no parameter named '{name}'");

    /// <summary>A parameter's current values in standard order (a copy).</summary>
    public float[] ValuesOf(string name)
    {
        var slot = this[name];
        var values = new float[slot.Count];
        ToStandard(slot, _data is null ? Read(_dataTensor, slot) : _data.AsSpan((int)slot.Offset, (int)slot.Count), values);
        return values;
    }

    static float[] Read(Tensor arena, Slot slot)
    {
        using var part = arena.narrow(0, slot.Offset, slot.Count).cpu();
        return part.data<float>().ToArray();
    }

    /// <summary>The weights in arena order (the host array itself, or a copy from the device).</summary>
    public float[] ReadData() => _data ?? ReadAll(_dataTensor);

    /// <summary>Sets the weights from an arena-order array.</summary>
    public void WriteData(ReadOnlySpan<float> arenaOrder)
    {
        if (_data is not null) { arenaOrder.CopyTo(_data); return; }
        using var host = torch.tensor(arenaOrder.ToArray());
        using var _ = no_grad();
        _dataTensor.copy_(host);
    }

    /// <summary>A flat tensor of the arena's length as an arena-order host array (a copy).</summary>
    public static float[] ReadAll(Tensor flat)
    {
        using var host = flat.detach().cpu().contiguous();
        return host.data<float>().ToArray();
    }

    /// <summary>Zeroes the gradient for the next backward: the dense arena, except the slots whose sparse layers write their
    /// gradients compacted (<see cref="KeptGradient"/>), which are cleared there instead (a LeNet ticket at 3.6% clears 40 KB
    /// instead of 1 MB a step). Their dense slots are left as they are unless <see cref="Grad"/> wrote into them.</summary>
    public void ZeroGrad()
    {
        if (_grad is null) { _gradTensor.zero_(); return; }
        if (KeptGradient is not { AnyClaimed: true } kept || _keptInDense)
        {
            Array.Clear(_grad);
            _keptInDense = false;
            KeptGradient?.ClearClaimed();
            return;
        }
        int from = 0;
        foreach (var (start, length) in kept.ClaimedRanges())
        {
            Array.Clear(_grad, from, start - from);
            from = start + length;
        }
        Array.Clear(_grad, from, _grad.Length - from);
        kept.ClearClaimed();
    }

    /// <summary>The gradient at kept positions of the slots visited position by position, compacted (null when there are none).</summary>
    public KeptGradient? KeptGradient { get; private set; }

    bool _keptInDense;

    void BringKeptGradientIn()
    {
        if (_grad is null || KeptGradient is not { AnyClaimed: true } kept) return;
        kept.CopyClaimedInto(_grad);
        _keptInDense = true;
    }

    /// <summary>What the optimizer visits, when it skips pruned positions (<see cref="SetMask"/>): whole slots (ranges it
    /// passes over with the mask, as always) and, for slots with under <see cref="ActivePositions.SparseBelow"/> of their weights kept, the kept positions alone.
    /// Null: the whole arena, one masked pass (the dense path).</summary>
    public ActivePositions? Active { get; private set; }

    /// <summary>Sets the mask of the prunable tensors (others stay 1) and zeroes the pruned weights. With
    /// <paramref name="skipPruned"/>, the optimizer then visits only kept positions of sparse slots (<see cref="Active"/>):
    /// the same arithmetic on the same positions, so the same bits, in a fraction of the memory traffic.</summary>
    public void SetMask(Mask mask, bool skipPruned = false)
    {
        foreach (var slot in _slots.Where(s => s.Prunable))
        {
            var values = mask[slot.Name];
            if (values.Length != slot.Count)
                throw new InvalidDataException($"mask for {slot.Name} has {values.Length} entries, the layer {slot.Count}");
            var standard = new float[values.Length];
            for (int i = 0; i < values.Length; i++) standard[i] = values[i] ? 1f : 0f;
            WriteSlot(_mask, _maskTensor, slot, standard);
        }
        ApplyMask();
        Active = skipPruned && _mask is not null ? ActivePositions.Of(_slots, _mask) : null;
        KeptGradient = Active is { Indices.Length: > 0 } active ? new KeptGradient(active) : null;
        // Whatever a claimed slot held before is stale from here; the next ZeroGrad clears the whole arena.
        _keptInDense = true;
    }

    /// <summary>Zeroes every pruned weight.</summary>
    public void ApplyMask()
    {
        if (_data is null)
        {
            using var _ = no_grad();
            using var pruned = _maskTensor.eq(Scalars.Zero);
            _dataTensor.masked_fill_(pruned, Scalars.Zero);
            return;
        }
        var data = _data.AsSpan();
        var mask = _mask.AsSpan();
        for (int i = 0; i < data.Length; i++) data[i] = Keep(data[i], mask[i]);
    }

    /// <summary>The value where the mask is 1, exactly 0 where it is 0. A select, not a product: a diverged
    /// weight (NaN or infinite) times 0 is NaN, and pruned weights and their optimizer state must stay 0.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float Keep(float value, float mask) => mask != 0 ? value : 0f;

    /// <inheritdoc cref="Keep(float, float)"/>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Numerics.Vector<float> Keep(System.Numerics.Vector<float> value, System.Numerics.Vector<float> mask) =>
        System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.Equals(mask, System.Numerics.Vector<float>.Zero),
            System.Numerics.Vector<float>.Zero, value);

    /// <summary>True when every parameter is a finite number (false once training has diverged).</summary>
    public bool AllFinite()
    {
        if (_data is null)
        {
            using var finite = _dataTensor.isfinite().all();
            return finite.item<bool>();
        }
        foreach (var v in _data) if (!float.IsFinite(v)) return false;
        return true;
    }

    /// <summary>Copy of the model's state (e.g. to save θ0 or the final weights): the named parameters from the
    /// arena and the model's buffers (batch norm's running statistics).</summary>
    public Dictionary<string, float[]> Snapshot()
    {
        var state = _slots.ToDictionary(s => s.Name, s => ValuesOf(s.Name));
        foreach (var (name, values) in Buffers()) state[name] = values;
        return state;
    }

    /// <summary>The model's buffers alone (what a checkpoint adds to the arena and the optimizer state).</summary>
    public Dictionary<string, float[]> Buffers() => ModelState.Buffers(Model);

    /// <summary>Loads a state: parameters into the arena, buffers into the model.</summary>
    public void Load(IReadOnlyDictionary<string, float[]> weights)
    {
        ModelState.LoadBuffers(Model, weights);
        foreach (var slot in _slots)
        {
            if (!weights.TryGetValue(slot.Name, out var values))
                throw new InvalidDataException($"weights have no tensor '{slot.Name}'");
            if (values.Length != slot.Count)
                throw new InvalidDataException($"tensor '{slot.Name}' has {values.Length} values, the model {slot.Count}");
            WriteSlot(_data, _dataTensor, slot, values);
        }
    }

    /// <summary>Writes a slot's values given in standard order into the host array, or into the device tensor.</summary>
    static void WriteSlot(float[]? host, Tensor onDevice, Slot slot, float[] standard)
    {
        if (host is not null)
        {
            FromStandard(slot, standard, host.AsSpan((int)slot.Offset, (int)slot.Count));
            return;
        }
        var arenaOrder = new float[standard.Length];
        FromStandard(slot, standard, arenaOrder);
        using var values = torch.tensor(arenaOrder);
        using var part = onDevice.narrow(0, slot.Offset, slot.Count);
        using var _ = no_grad();
        part.copy_(values);
    }

    public void Dispose()
    {
        _dataTensor.Dispose();
        _gradTensor.Dispose();
        _maskTensor.Dispose();
    }
}

/// <summary>The positions of an arena an optimizer step visits: contiguous ranges (each passed over with the mask) and
/// single kept positions of sparse slots (all alive: no mask needed), in increasing order, slot after slot (<see cref="Slots"/>).</summary>
public sealed record ActivePositions(IReadOnlyList<(int Start, int Length)> Ranges, int[] Indices, IReadOnlyList<ActivePositions.KeptSlot> Slots)
{
    /// <summary>A slot visited position by position: its dense range and its kept positions' share of <see cref="Indices"/>
    /// (entries First .. First + Count).</summary>
    public sealed record KeptSlot(string Name, int Start, int Length, int First, int Count);

    /// <summary>Slots below this density are visited position by position; denser ones as one masked range. Position by
    /// position reads each kept weight through an index, and the gradient and moments compacted (<see cref="KeptGradient"/>,
    /// <see cref="KeptState"/>), against the masked stream's five arrays at every position. With the gradient compacted by
    /// the sparse layers and the arithmetic in vectors, a LeNet ticket's sparse step (`lottery bench --run --level L
    /// --threads 1`, the machine otherwise idle, 2026-12-02, sparse ms at 0.35 against 0.1 as the threshold) was as fast
    /// at 26.3% kept (0.90 / 0.90 against 0.99 / 0.90) and 3.6%, and faster at 21.1% (0.76 against 0.80–0.82), 16.9%
    /// (0.64–0.66 against 0.67–0.71) and 10.8% (0.50 against 0.57–0.60). Scalar, with the gradient gathered from the
    /// dense arena, it had been slower by index at 21.1% and above, hence 0.1 until then.</summary>
    public const double SparseBelow = 0.3;

    public static ActivePositions Of(IReadOnlyList<ParameterArena.Slot> slots, float[] mask)
    {
        var ranges = new List<(int, int)>();
        var indices = new List<int>();
        var kept = new List<KeptSlot>();
        foreach (var slot in slots)
        {
            int start = (int)slot.Offset, count = (int)slot.Count;
            int alive = 0;
            for (int i = start; i < start + count; i++) if (mask[i] != 0) alive++;
            if (!slot.Prunable || alive >= SparseBelow * count) { ranges.Add((start, count)); continue; }
            kept.Add(new KeptSlot(slot.Name, start, count, indices.Count, alive));
            for (int i = start; i < start + count; i++) if (mask[i] != 0) indices.Add(i);
        }
        return new ActivePositions(ranges, indices.ToArray(), kept);
    }
}
