using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Lottery.Sparse;

/// <summary>
/// The autograd function of a pruned linear layer running on its sparse kernels (<see cref="SparseLinearLayer"/>):
/// inputs (x, the layer's weight parameter, the layer). The weight is an input so that autograd calls backward even
/// when x needs no gradient (the first layer); its gradient, and the bias's, are written by backward straight into the
/// parameter arena at the kept positions (the arena is what the optimizer reads), so autograd gets none for them.
/// </summary>
public sealed class SparseLinearFunction : SingleTensorFunction<SparseLinearFunction>
{
    public override string Name => "SparseLinear";

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var layer = (SparseLinearLayer)vars[2];
        bool backward = (bool)vars[3];
        ctx.save_data("layer", layer);
        ctx.save_data("input_grad", x.requires_grad);
        return layer.Forward(x, backward);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var layer = (SparseLinearLayer)ctx.get_data("layer");
        var dx = layer.Backward(grad_output, (bool)ctx.get_data("input_grad"));
        return [dx!, null!, null!, null!];   // one per input: x, the weight (written into the arena), the layer, the flag
    }
}
