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
/// </summary>
public sealed class ParameterArena : IDisposable
{
    public sealed record Slot(string Name, long Offset, long Count, long[] Shape, bool Prunable);

    readonly float[] _data, _grad, _mask;
    readonly Tensor _dataTensor, _gradTensor, _maskTensor;
    readonly List<Slot> _slots = [];
    readonly Dictionary<string, Slot> _byName = [];

    public LotteryModel Model { get; }
    public long Length => _data.LongLength;
    public IReadOnlyList<Slot> Slots => _slots;
    public Span<float> Data => _data;
    public Span<float> Grad => _grad;
    /// <summary>1 for a weight that lives, 0 for a pruned one; always 1 for biases.</summary>
    public Span<float> MaskValues => _mask;

    public ParameterArena(LotteryModel model)
    {
        Model = model;
        var prunable = model.PrunableTensors.Select(t => t.Name).ToHashSet();
        var named = model.named_parameters().ToList();
        long total = 0;
        foreach (var (name, p) in named)
        {
            var slot = new Slot(name, total, p.numel(), p.shape, prunable.Contains(name));
            _slots.Add(slot);
            _byName[name] = slot;
            total += slot.Count;
        }
        if (total > Array.MaxLength) throw new NotSupportedException($"model has {total} parameters: more than one arena holds");
        _data = GC.AllocateArray<float>((int)total, pinned: true);
        _grad = GC.AllocateArray<float>((int)total, pinned: true);
        _mask = GC.AllocateArray<float>((int)total, pinned: true);
        Array.Fill(_mask, 1f);
        _dataTensor = torch.frombuffer(_data, ScalarType.Float32, total, 0, false);
        _gradTensor = torch.frombuffer(_grad, ScalarType.Float32, total, 0, false);
        _maskTensor = torch.frombuffer(_mask, ScalarType.Float32, total, 0, false);

        using (no_grad())
        {
            foreach (var (name, p) in named)
            {
                var slot = _byName[name];
                var view = _dataTensor.narrow(0, slot.Offset, slot.Count).view(slot.Shape);
                view.copy_(p);
                // set_ points the parameter itself at the arena view (storage, offset, shape, strides), so every
                // layer type keeps using the object it holds: no per-layer-type code, any module tree works.
                // set_ returns the same handle, so its result is not disposed.
                _ = p.set_(view);
                p.grad = _gradTensor.narrow(0, slot.Offset, slot.Count).view(slot.Shape);
            }
        }
    }

    public Slot this[string name] => _byName.TryGetValue(name, out var s) ? s
        : throw new KeyNotFoundException($"no parameter named '{name}'");

    public Span<float> DataOf(string name) { var s = this[name]; return _data.AsSpan((int)s.Offset, (int)s.Count); }

    public void ZeroGrad() => Array.Clear(_grad);

    /// <summary>Sets the mask of the prunable tensors (others stay 1) and zeroes the pruned weights.</summary>
    public void SetMask(Mask mask)
    {
        foreach (var slot in _slots.Where(s => s.Prunable))
        {
            var values = mask[slot.Name];
            if (values.Length != slot.Count)
                throw new InvalidDataException($"mask for {slot.Name} has {values.Length} entries, the layer {slot.Count}");
            for (int i = 0; i < values.Length; i++) _mask[slot.Offset + i] = values[i] ? 1f : 0f;
        }
        ApplyMask();
    }

    /// <summary>Zeroes every pruned weight.</summary>
    public void ApplyMask()
    {
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
        foreach (var v in _data) if (!float.IsFinite(v)) return false;
        return true;
    }

    /// <summary>Copy of the model's state (e.g. to save θ0 or the final weights): the named parameters from the
    /// arena and the model's buffers (batch norm's running statistics).</summary>
    public Dictionary<string, float[]> Snapshot()
    {
        var state = _slots.ToDictionary(s => s.Name, s => _data.AsSpan((int)s.Offset, (int)s.Count).ToArray());
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
            values.CopyTo(_data.AsSpan((int)slot.Offset, (int)slot.Count));
        }
    }

    public void Dispose()
    {
        _dataTensor.Dispose();
        _gradTensor.Dispose();
        _maskTensor.Dispose();
    }
}
