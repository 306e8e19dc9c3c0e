using Lottery.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Tests.Models;

/// <summary>The batch norm that holds its Scalars is TorchSharp's BatchNorm2d bit for bit: the same outputs, running
/// statistics and batch count after training steps, in evaluation, with momentum or the cumulative average, and the
/// same parameter and buffer names (checkpoints and weight files do not change).</summary>
public class HeldScalarBatchNormTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(null)]
    public void ItComputesWhatTorchSharpsBatchNormComputes(double? momentum)
    {
        using var scope = NewDisposeScope();
        var theirs = nn.BatchNorm2d(3);
        var ours = new HeldScalarBatchNorm2d(3);
        theirs.momentum = momentum;
        ours.momentum = momentum;
        Assert.Equal(theirs.state_dict().Keys.Order(), ours.state_dict().Keys.Order());
        var generator = new Generator(7);
        using (no_grad())
        {
            // Different affine parameters than the defaults, the same in both.
            var w = rand(3, generator: generator); var b = randn(3, generator: generator);
            theirs.weight!.copy_(w); ours.weight!.copy_(w);
            theirs.bias!.copy_(b); ours.bias!.copy_(b);
        }
        for (int step = 0; step < 4; step++)
        {
            var x = randn([5, 3, 4, 4], generator: generator);
            Assert.Equal(theirs.call(x).data<float>().ToArray(), ours.call(x).data<float>().ToArray());
        }
        Assert.Equal(4L, ours.num_batches_tracked!.item<long>());
        Assert.Equal(theirs.num_batches_tracked!.item<long>(), ours.num_batches_tracked.item<long>());
        Assert.Equal(theirs.running_mean!.data<float>().ToArray(), ours.running_mean!.data<float>().ToArray());
        Assert.Equal(theirs.running_var!.data<float>().ToArray(), ours.running_var!.data<float>().ToArray());
        theirs.eval(); ours.eval();
        var y = randn([2, 3, 4, 4], generator: generator);
        Assert.Equal(theirs.call(y).data<float>().ToArray(), ours.call(y).data<float>().ToArray());
        Assert.Equal(4L, ours.num_batches_tracked.item<long>());   // evaluation counts nothing
        Assert.Throws<ArgumentException>(() => ours.call(randn(2, 3)));
    }
}
