using Lottery.Models;
using Lottery.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Tests.Native;

/// <summary>libtorch 2.10's oneDNN convolutions read their channel padding uninitialized for some input-channel counts
/// (measured on this project's AVX-512 VM: Conv2d(28, 16, 3) gave a NaN output channel in 39 of 60 fresh layers, Conv1d(28,
/// 16, 3) in 3 of 60, when freed memory held NaN); a network with such a layer turns them off for the process.</summary>
[Collection(OneDnnSwitchCollection.Name)]   // turns oneDNN off for the process
public class OneDnnGuardTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(8, false)]
    [InlineData(12, true)]
    [InlineData(16, false)]
    [InlineData(17, true)]
    [InlineData(24, true)]
    [InlineData(28, true)]
    [InlineData(32, false)]
    [InlineData(48, false)]
    [InlineData(64, false)]
    [InlineData(72, true)]
    public void Channel_counts_that_oneDNN_pads_are_the_ones_refused(int channels, bool miscomputed) =>
        Assert.Equal(miscomputed, ConvolutionBackends.OneDnnMiscomputes(channels));

    [Fact]
    public void The_paper_networks_keep_oneDNN()
    {
        foreach (var name in new[] { "conv2", "conv4", "conv6", "resnet20", "vgg19", "vgg19_16" })
        {
            using var model = ModelRegistry.Create(new Hparams.ModelHparams(name), new InputShape(3, 32, 32, 10));
            var convs = model.named_parameters().Where(p => p.parameter.dim() == 4).ToList();
            Assert.NotEmpty(convs);
            Assert.All(convs, p => Assert.False(ConvolutionBackends.OneDnnMiscomputes(p.parameter.shape[1]), $"{name} {p.name}"));
        }
    }

    [Fact]
    public void A_network_with_28_input_channels_computes_finite_convolutions_after_the_guard()
    {
        using var network = nn.Sequential(("conv", nn.Conv1d(28, 16, 3, padding: 1)), ("flat", nn.Flatten()), ("out", nn.Linear(16 * 28, 4)));
        Assert.True(ConvolutionBackends.GuardAgainstPaddedChannels(network));
        Assert.Contains("'conv' has 28 input channels", ConvolutionBackends.OneDnnOff);
        torch.manual_seed(3);
        for (int trial = 0; trial < 40; trial++)
        {
            using var scope = NewDisposeScope();
            // Freed memory full of NaN: what oneDNN read as padding when it failed.
            torch.empty(1 << 16).fill_(float.NaN).Dispose();
            var layer = nn.Conv2d(28, 16, 3, padding: 1);
            var output = layer.call(torch.rand(32, 28, 8, 8));
            Assert.True(torch.isfinite(output).all().item<bool>(), $"trial {trial}: non-finite convolution output");
        }
    }

    [Fact]
    public void The_tests_that_turn_oneDNN_off_run_alone_and_the_rest_are_checked()
    {
        Assert.True(OneDnnSwitchGuardAttribute.InCollection(typeof(OneDnnGuardTests)));
        Assert.True(OneDnnSwitchGuardAttribute.InCollection(typeof(Api.ExperimentApiTests)));
        Assert.True(OneDnnSwitchGuardAttribute.InCollection(typeof(Tickets.TicketExportTests)));
        Assert.False(OneDnnSwitchGuardAttribute.InCollection(typeof(Training.TrainerTests)));
        Assert.False(OneDnnSwitchGuardAttribute.InCollection(typeof(Cluster.SharedLockTests)));   // another collection
        var collection = typeof(OneDnnSwitchCollection).GetCustomAttributesData().Single(a => a.AttributeType == typeof(CollectionDefinitionAttribute));
        Assert.Contains(collection.NamedArguments, a => a.MemberName == nameof(CollectionDefinitionAttribute.DisableParallelization) && (bool)a.TypedValue.Value! == true);
        Assert.Single(typeof(OneDnnGuardTests).Assembly.GetCustomAttributes(typeof(OneDnnSwitchGuardAttribute), false));
    }
}
