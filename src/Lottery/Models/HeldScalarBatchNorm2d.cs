using Lottery.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// TorchSharp's BatchNorm2d with one change: its training forward counts batches with <c>num_batches_tracked.add_(1)</c>,
/// which passes libtorch two implicit Scalars that nothing holds while libtorch reads them (see <see cref="Scalars"/>:
/// the garbage collector may free them mid-call); here they are <see cref="Scalars.One"/>. Everything else is TorchSharp's
/// BatchNorm (its parameters, buffers and their names, momentum and the cumulative average when momentum is null), and
/// the forward computes what TorchSharp's does, call for call: the same bits.
/// </summary>
public sealed class HeldScalarBatchNorm2d(long features, double eps = 1e-5, double momentum = 0.1)
    : BatchNorm(features, eps, momentum, affine: true, track_running_stats: true, device: null, dtype: null, name: "BatchNorm2d")
{
    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4) throw new ArgumentException($"expected 4D input, but got {input.ndim}D input.");
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        double factor = momentum ?? 0.0;
        if (training && track_running_stats && num_batches_tracked is { } tracked)
        {
            tracked.add_(Scalars.One, Scalars.One);
            factor = momentum ?? 1.0 / (double)tracked;
        }
        bool useBatch = training || (running_mean is null && running_var is null);
        bool passStatistics = !training || track_running_stats;
        return nn.functional.batch_norm(input, passStatistics ? running_mean : null, passStatistics ? running_var : null,
            weight, bias, useBatch, factor, eps);
    }
}
