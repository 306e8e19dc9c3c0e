using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// The arithmetic and memory of one example's forward pass, measured by running one zero example through the model
/// with forward hooks on its layers: conv and linear multiply-adds ×2 (the benchmark's share of peak) and the largest
/// tensor any layer produces (what sizes evaluation batches). Measured rather than declared so that a network built
/// from standard layers needs no bookkeeping; only layers invoked through <c>call</c> (as nn.Sequential and the
/// built-in models do) run hooks, so layers a custom forward invokes through <c>forward</c> are not seen.
/// </summary>
public sealed record ForwardProfile(long FlopsPerExample, long LargestActivationPerExample, int LayersSeen)
{
    public static ForwardProfile Measure(nn.Module<Tensor, Tensor> model, InputShape input)
    {
        long flops = 0, largest = input.Features;
        int seen = 0;
        var removers = new List<Action>();
        foreach (var (name, module) in model.named_modules())
        {
            if (name.Length == 0 || module is not nn.Module<Tensor, Tensor> layer) continue;
            var remover = layer.register_forward_hook((m, x, y) =>
            {
                long outPerExample = y.numel() / Math.Max(1, y.shape[0]);
                largest = Math.Max(largest, outPerExample);
                switch (m)
                {
                    case Convolution c when c.weight is not null:
                        // Each output value is one dot product over in/groups channels × the kernel: weight.numel / out channels.
                        flops += 2 * outPerExample * (c.weight.numel() / c.weight.shape[0]);
                        seen++;
                        break;
                    case Linear l:
                        flops += 2 * outPerExample * l.weight!.shape[1];
                        seen++;
                        break;
                }
                return y;
            });
            removers.Add(remover.remove);
        }
        bool wasTraining = model.training;
        try
        {
            model.eval();
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            model.call(zeros(1, input.Channels, input.Height, input.Width));
        }
        finally
        {
            foreach (var remove in removers) remove();
            model.train(wasTraining);
        }
        return new ForwardProfile(flops, largest, seen);
    }
}
