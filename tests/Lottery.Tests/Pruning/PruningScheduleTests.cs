using Lottery.Hparams;
using Lottery.Models;
using Lottery.Pruning;

namespace Lottery.Tests.Pruning;

/// <summary>The percent of weights remaining after k rounds must equal the paper's tables exactly.</summary>
public class PruningScheduleTests
{
    static IReadOnlyList<PrunableTensor> Tensors(string model, int channels)
    {
        using var m = ModelRegistry.Create(new ModelHparams(model), new InputShape(channels, channels == 1 ? 28 : 32, channels == 1 ? 28 : 32, 10));
        return m.PrunableTensors;
    }

    static void AssertSchedule(Pruner pruner, IEnumerable<(int Rounds, double Percent)> expected)
    {
        foreach (var (k, percent) in expected)
            Assert.True(Math.Round(pruner.PercentRemainingAfterRounds(k), 1) == percent,
                $"after {k} rounds: {pruner.PercentRemainingAfterRounds(k):0.000}% remaining, the paper says {percent}%");
    }

    [Fact]
    public void LeNet()
    {
        var pruner = new Pruner(PresetRegistry.Get("lenet_mnist").Hparams.Pruning, Tensors("lenet_300_100", 1));
        AssertSchedule(pruner, [(3, 51.3), (6, 26.3), (7, 21.1), (9, 13.5), (12, 7.0), (15, 3.6), (18, 1.9), (21, 1.0), (24, 0.5), (27, 0.3)]);
    }

    [Fact]
    public void Conv2()
    {
        var pruner = new Pruner(PresetRegistry.Get("conv2_cifar10").Hparams.Pruning, Tensors("conv2", 3));
        AssertSchedule(pruner, [(3, 51.4), (6, 26.5), (9, 13.7), (11, 8.8), (12, 7.1), (14, 4.6), (15, 3.7), (18, 1.9), (21, 1.0)]);
    }

    [Fact]
    public void Conv4()
    {
        var pruner = new Pruner(PresetRegistry.Get("conv4_cifar10").Hparams.Pruning, Tensors("conv4", 3));
        AssertSchedule(pruner, [(11, 11.1), (12, 9.2), (15, 5.4)]);
    }

    /// <summary>VGG-19's shapes: 16 3×3 convs and an fc layer that global pruning leaves alone.</summary>
    static List<PrunableTensor> Vgg19()
    {
        int[] plan = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512];
        var tensors = new List<PrunableTensor>();
        long inChannels = 3;
        for (int i = 0; i < plan.Length; i++)
        {
            tensors.Add(new PrunableTensor($"conv{i + 1}.weight", LayerKind.Conv, [plan[i], inChannels, 3, 3]));
            inChannels = plan[i];
        }
        tensors.Add(new PrunableTensor("fc.weight", LayerKind.Output, [10, 512]));
        return tensors;
    }

    /// <summary>The 20-layer CIFAR ResNet: 3×3 convs, two 1×1 shortcuts and fc, the last three never pruned.</summary>
    static List<PrunableTensor> ResNet20()
    {
        var tensors = new List<PrunableTensor> { new("conv.weight", LayerKind.Conv, [16, 3, 3, 3]) };
        long inChannels = 16;
        foreach (var (width, stage) in new[] { (16, 1), (32, 2), (64, 3) })
            for (int block = 0; block < 3; block++)
            {
                tensors.Add(new($"s{stage}b{block}.conv1.weight", LayerKind.Conv, [width, inChannels, 3, 3]));
                tensors.Add(new($"s{stage}b{block}.conv2.weight", LayerKind.Conv, [width, width, 3, 3]));
                if (inChannels != width) tensors.Add(new($"s{stage}b{block}.shortcut.weight", LayerKind.Conv, [width, inChannels, 1, 1]));
                inChannels = width;
            }
        tensors.Add(new PrunableTensor("fc.weight", LayerKind.Output, [10, 64]));
        return tensors;
    }

    [Fact]
    public void Vgg19GlobalWithFcUnpruned()
    {
        var tensors = Vgg19();
        Assert.Equal(20_024_000, tensors.Sum(t => t.Count));
        Assert.Equal(20_018_880, tensors.Where(t => t.Kind == LayerKind.Conv).Sum(t => t.Count));
        var pruner = new Pruner(new PruningHparams("global", GlobalRate: 0.2, Exclude: ["fc"]), tensors);
        Assert.Equal(["fc.weight"], pruner.Excluded);
        double[] every4 = [100, 41.0, 16.8, 6.9, 2.8, 1.2, 0.5, 0.2, 0.1];
        AssertSchedule(pruner, every4.Select((p, i) => (4 * i, p)));
    }

    [Fact]
    public void ResNet20GlobalWithShortcutsAndFcUnpruned()
    {
        var tensors = ResNet20();
        Assert.Equal(267_696, tensors.Where(t => t.Shape.Length == 4 && t.Shape[2] == 3).Sum(t => t.Count));
        Assert.Equal(2_560, tensors.Where(t => t.Name.Contains("shortcut")).Sum(t => t.Count));
        var exclude = tensors.Where(t => t.Name.Contains("shortcut") || t.Name == "fc.weight").Select(t => t.Name).ToList();
        var pruner = new Pruner(new PruningHparams("global", GlobalRate: 0.2, Exclude: exclude), tensors);
        double[] every2 = [100, 64.4, 41.7, 27.1, 17.8, 11.8, 8.0, 5.5];
        AssertSchedule(pruner, every2.Select((p, i) => (2 * i, p)));
    }

    [Fact]
    public void UnknownLayerNamesAreRejected()
    {
        var tensors = Tensors("lenet_300_100", 1);
        var e = Assert.Throws<HparamsException>(() => new Pruner(new PruningHparams(LayerRates: new Dictionary<string, double> { ["fc9"] = 0.5 }), tensors));
        Assert.Contains("fc9", e.Message);
        Assert.Throws<HparamsException>(() => new Pruner(new PruningHparams("global", Exclude: ["nope"]), tensors));
        Assert.Throws<HparamsException>(() => new Pruner(new PruningHparams("random"), tensors));
        Assert.Throws<HparamsException>(() => new Pruner(new PruningHparams(FcRate: 1.0), tensors));
    }
}
