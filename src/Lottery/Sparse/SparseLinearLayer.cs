using System.Runtime.InteropServices;
using Lottery.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Sparse;

/// <summary>
/// One pruned linear layer switched to its sparse kernels, without changing the network: a forward pre-hook hands the
/// dense layer an empty batch (its product then costs nothing and its output is dropped) and keeps the real input; the
/// forward hook returns <see cref="SparseLinearFunction"/>'s output instead. Weights and gradients stay where the
/// parameter arena keeps them (host memory): the kernels read the kept weights from it and write their gradients into
/// it (the weight's compacted, when the optimizer visits it position by position: <see cref="KeptGradient"/>), so the
/// optimizer, checkpoints and weight files see exactly what the dense path gives them. Activations cross
/// into the kernels' feature-major buffers (.NET arrays shared with libtorch) by a SIMD transpose from libtorch's memory
/// (row-major inputs) or by libtorch's own copies.
/// </summary>
public sealed class SparseLinearLayer : IDisposable
{
    readonly ParameterArena _arena;
    readonly ParameterArena.Slot _weight;
    readonly ParameterArena.Slot? _bias;
    readonly TorchSharp.Modules.Parameter _parameter;
    readonly List<Action> _hooks = [];
    Tensor? _input;
    readonly Buffer _trainXt = new(), _evalXt = new(), _trainYt = new(), _evalYt = new(), _dyt = new(), _dxt = new();
    int _trainBatch;
    readonly float[] _values, _rowValues, _gradient;
    /// <summary>Where backward adds the weight gradient when the optimizer visits this weight position by position: its
    /// compacted share of the arena's <see cref="KeptGradient"/> (arena order), instead of the dense gradient.</summary>
    readonly ArraySegment<float>? _keptGradient;
    readonly KeptGradient? _keptOwner;

    public string Name { get; }
    public SparseLayout Layout { get; }
    /// <summary>Whether training forwards (gradients enabled) run on the kernels; when not, the dense layer computes them.</summary>
    public bool Training { get; }
    /// <summary>Whether forwards without gradients (evaluation) run on the kernels; when not, the dense layer computes them.</summary>
    public bool Evaluation { get; }

    /// <summary>What the stage records for this layer: its weight's name, with the one use it runs sparse in when not both.</summary>
    public string Record => Name + ".weight" + (Training && Evaluation ? "" : Training ? " (training)" : " (evaluation)");

    public SparseLinearLayer(string name, TorchSharp.Modules.Linear module, ParameterArena arena, SparseLayout layout, bool training = true, bool evaluation = true)
    {
        if (!training && !evaluation) throw new ArgumentException("a sparse layer runs sparse in training, in evaluation or in both");
        Name = name;
        Training = training;
        Evaluation = evaluation;
        _arena = arena;
        Layout = layout;
        _weight = arena[$"{name}.weight"];
        _bias = module.bias is null ? null : arena[$"{name}.bias"];
        _parameter = module.weight!;
        _values = new float[layout.Nonzeros];
        _rowValues = new float[layout.Nonzeros];
        _gradient = new float[layout.Nonzeros];
        if (training && arena.KeptGradient is { } kept && kept.Claim(_weight.Name) is { } segment)
        {
            // The arena's kept positions come from its own mask; they must be this layout's, one for one.
            if (segment.Count == layout.Nonzeros) (_keptGradient, _keptOwner) = (segment, kept);
            else kept.Release(_weight.Name);
        }
        _hooks.Add(module.register_forward_pre_hook((_, x) =>
        {
            if (x.dim() != 2 || x.dtype != ScalarType.Float32 || x.device_type != DeviceType.CPU) return x;   // not ours: the dense layer computes
            if (is_grad_enabled() ? !Training : !Evaluation) return x;   // a use where dense is faster
            _input = x;
            return x.narrow(0, 0, 0);
        }).remove);
        _hooks.Add(module.register_forward_hook((_, _, output) =>
        {
            if (_input is not { } x) return output;
            _input = null;
            output.Dispose();
            return SparseLinearFunction.apply(x, _parameter, this, is_grad_enabled() && (x.requires_grad || _parameter.requires_grad));
        }).remove);
    }

    /// <summary>A feature-major buffer (features × stride floats, pinned, shared with libtorch) and the view of its first
    /// <c>batch</c> columns that libtorch copies in and out of; the padding columns stay zero. Grown when a larger batch comes.</summary>
    sealed class Buffer : IDisposable
    {
        float[] _array = [];
        int _start;   // the first element on a 64-byte boundary: see View
        Tensor? _view;
        long _features, _batch;
        int _stride;

        public Span<float> Span => _array.AsSpan(_start, (int)(_features * _stride));

        /// <summary>The features × batch view (row stride <see cref="SparseKernels.Stride"/>) for this batch.</summary>
        public Tensor View(long features, int batch)
        {
            int stride = SparseKernels.Stride(batch);
            if (_view is not null && _features == features && _batch == batch) return _view;
            _view?.Dispose();
            if (_array.Length - _start < features * stride || _stride != stride)
            {
                // Zeroed (the padding is zero), pinned (libtorch holds its address), and used from a 64-byte boundary:
                // the .NET heap aligns arrays to 8 bytes only, and a vector load that straddles two cache lines costs two;
                // unaligned, a LeNet ticket's training step measured 0.48 or 0.70 ms depending on where its buffers fell.
                _array = GC.AllocateArray<float>((int)(features * stride) + 16, pinned: true);
                _start = Alignment.FloatsTo64Bytes(_array);
            }
            else if (features != _features)
                Array.Clear(_array, _start, (int)(features * stride));
            else if (batch < _batch)
            {
                // The same array at the same stride for a smaller batch (an epoch's last batch of 57 after batches of 60):
                // the columns the larger batch filled would otherwise be read as padding, and the weight gradient sums
                // over the whole stride. Zero them, so the padding is zero as the kernels assume.
                for (long f = 0; f < _features; f++) Array.Clear(_array, _start + (int)(f * stride) + batch, (int)(_batch - batch));
            }
            // Kept across iterations, so never owned by the dispose scope of the call that makes it.
            using var flat = torch.frombuffer(_array, ScalarType.Float32, features * stride, _start, false);
            using var matrix = flat.view(features, stride);
            _view = matrix.narrow(1, 0, batch).DetachFromDisposeScope();
            (_features, _batch, _stride) = (features, batch, stride);
            return _view;
        }

        public void Dispose() => _view?.Dispose();
    }

    /// <summary>y = x · Wᵀ + b on the kept weights; with <paramref name="backward"/>, keeps xᵀ for the gradients.
    /// The output is the batch × out transpose of the kernel's feature-major buffer, not a copy: elementwise operations
    /// keep that layout, so a following sparse layer takes its input without a transposing copy, and a dense one
    /// multiplies it as a transposed matrix. The buffer is the forward's own (training and evaluation apart) and is
    /// overwritten only by the next forward of its kind, when whatever kept it for a backward has had it.</summary>
    internal Tensor Forward(Tensor x, bool backward)
    {
        int batch = (int)x.shape[0], inputs = Layout.Columns, outputs = Layout.Rows;
        if (x.shape[1] != inputs) throw new InvalidOperationException($"{Name}: input has {x.shape[1]} features, the layer {inputs}");
        var xt = backward ? _trainXt : _evalXt;
        if (backward) _trainBatch = batch;
        int stride = SparseKernels.Stride(batch);
        IntoFeatureMajor(x, xt, inputs, batch);
        var ytBuffer = backward ? _trainYt : _evalYt;
        var yt = ytBuffer.View(outputs, batch);
        // The weights as the optimizer left them, compacted once for this forward and the backward that follows it.
        Layout.Gather(Weights, _values);
        if (SparseKernels.ForwardByRows(inputs, stride)) Layout.ToRowOrder(_values, _rowValues);
        SparseKernels.Forward(Layout, _values, _rowValues, xt.Span, ytBuffer.Span, stride);
        // In the buffer, not by libtorch: yt.add_(bias) passes TorchSharp an implicit Scalar (alpha = 1) that the
        // finalizer can free while libtorch reads it (CI failed on exactly that here; see Training/Scalars.cs).
        if (_bias is { } b) SparseKernels.AddRowBias(_arena.Data.Slice((int)b.Offset, (int)b.Count), ytBuffer.Span, batch, stride);
        return yt.t();
    }

    /// <summary>A batch × features matrix into <paramref name="buffer"/> feature-major. A row-major one (the network's input, a
    /// dense layer's output) by <see cref="SparseKernels.Transpose"/> from libtorch's memory; any other layout (the transposed
    /// output of a sparse layer before it, whose copy is then row by row) by libtorch's copy.</summary>
    static void IntoFeatureMajor(Tensor x, Buffer buffer, int features, int batch)
    {
        var view = buffer.View(features, batch);
        if (batch > 0 && x.is_contiguous() && x.dtype == ScalarType.Float32 && x.device_type == DeviceType.CPU && (long)batch * features * sizeof(float) <= int.MaxValue)
            SparseKernels.Transpose(MemoryMarshal.Cast<byte, float>(x.bytes), batch, features, buffer.Span, SparseKernels.Stride(batch));
        else
            using (var t = x.t()) view.copy_(t);
    }

    ReadOnlySpan<float> Weights => _arena.Data.Slice((int)_weight.Offset, (int)_weight.Count);

    /// <summary>Writes the weight gradient at kept positions and the bias gradient into the arena; returns dx when asked.</summary>
    internal Tensor? Backward(Tensor dy, bool inputGradient)
    {
        int batch = _trainBatch, inputs = Layout.Columns, outputs = Layout.Rows;
        int stride = SparseKernels.Stride(batch);
        IntoFeatureMajor(dy, _dyt, outputs, batch);
        var grad = _arena.DenseGrad;
        SparseKernels.WeightGradient(Layout, _dyt.Span, _trainXt.Span, _gradient, _bias is { } b ? grad.Slice((int)b.Offset, (int)b.Count) : [], stride);
        if (_keptGradient is { } kept) Layout.AddInPositionOrder(_gradient, kept);
        else Layout.ScatterAdd(_gradient, grad.Slice((int)_weight.Offset, (int)_weight.Count));
        if (!inputGradient) return null;
        var dxt = _dxt.View(inputs, batch);
        SparseKernels.InputGradient(Layout, _values, _dyt.Span, _dxt.Span, stride);
        // Transposed like the forward's output (the gradient is consumed by the next backward of the step).
        return dxt.t();
    }

    public void Dispose()
    {
        foreach (var remove in _hooks) remove();
        _hooks.Clear();
        _keptOwner?.Release(_weight.Name);
        foreach (var b in new[] { _trainXt, _evalXt, _trainYt, _evalYt, _dyt, _dxt }) b.Dispose();
    }
}
