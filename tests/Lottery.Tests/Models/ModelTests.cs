using Lottery.Hparams;
using Lottery.Models;
using TorchSharp;

namespace Lottery.Tests.Models;

public class ModelTests
{
    static readonly InputShape Mnist = new(1, 28, 28, 10);
    static readonly InputShape Cifar = new(3, 32, 32, 10);

    [Theory]
    [InlineData("lenet_300_100", 1, 266_200, 0)]
    [InlineData("conv2", 3, 4_300_992, 38_592)]
    [InlineData("conv4", 3, 2_425_024, 259_776)]
    [InlineData("conv6", 3, 2_261_184, 1_144_512)]
    public void WeightCountsMatchThePaper(string name, int channels, long weights, long convWeights)
    {
        using var model = ModelRegistry.Create(new ModelHparams(name), channels == 1 ? Mnist : Cifar);
        Assert.Equal(weights, model.PrunableWeightCount);
        Assert.Equal(convWeights, model.PrunableTensors.Where(t => t.Kind == LayerKind.Conv).Sum(t => t.Count));
        Assert.Equal("out.weight", model.OutputTensorName);
        // Every prunable tensor is a parameter of that shape; biases are never prunable.
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        foreach (var t in model.PrunableTensors) Assert.Equal(t.Shape, parameters[t.Name]);
        Assert.All(model.PrunableTensors, t => Assert.EndsWith(".weight", t.Name));
        Assert.Equal(parameters.Count, model.PrunableTensors.Count * 2);
    }

    [Fact]
    public void LeNetFamilyTakesAnyWidths()
    {
        using var model = ModelRegistry.Create(new ModelHparams("lenet_500_300"), Mnist);
        Assert.Equal(784L * 500 + 500 * 300 + 300 * 10, model.PrunableWeightCount);
        Assert.Equal(["fc1.weight", "fc2.weight", "out.weight"], model.PrunableTensors.Select(t => t.Name));
    }

    [Theory]
    [InlineData("lenet")]
    [InlineData("lenet_")]
    [InlineData("lenet_0")]
    [InlineData("conv3")]
    [InlineData("resnet")]
    public void UnknownModelsAreRejectedWithTheKnownNames(string name)
    {
        var e = Assert.Throws<HparamsException>(() => ModelRegistry.Create(new ModelHparams(name), Mnist));
        Assert.Contains("lenet_300_100", e.Message);
    }

    [Theory]
    [InlineData("conv2", 10)]
    [InlineData("conv6", 10)]
    [InlineData("lenet_300_100", 10)]
    public void ForwardGivesOneLogitPerClass(string name, int classes)
    {
        var shape = name.StartsWith("conv") ? Cifar : Mnist;
        using var model = ModelRegistry.Create(new ModelHparams(name, Dropout: 0.5), shape);
        using var x = torch.randn(2, shape.Channels, shape.Height, shape.Width);
        using var y = model.forward(x);
        Assert.Equal([2L, classes], y.shape);
    }

    [Fact]
    public void GlorotInitIsSeededWithZeroBiasesAndTheRightScale()
    {
        using var a = ModelRegistry.Create(new ModelHparams("lenet_300_100"), Mnist);
        using var b = ModelRegistry.Create(new ModelHparams("lenet_300_100"), Mnist);
        using var c = ModelRegistry.Create(new ModelHparams("lenet_300_100"), Mnist);
        Initializers.Apply(a, "glorot_normal", 42);
        Initializers.Apply(b, "glorot_normal", 42);
        Initializers.Apply(c, "glorot_normal", 43);
        var pa = a.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
        var pb = b.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
        var pc = c.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
        Assert.Equal(pa["fc1.weight"], pb["fc1.weight"]);
        Assert.NotEqual(pa["fc1.weight"], pc["fc1.weight"]);
        Assert.All(pa["fc1.bias"], v => Assert.Equal(0f, v));
        var w = pa["fc1.weight"];
        double std = Math.Sqrt(w.Select(v => (double)v * v).Average());
        Assert.InRange(std, 0.95 * Math.Sqrt(2.0 / (784 + 300)), 1.05 * Math.Sqrt(2.0 / (784 + 300)));
        Assert.Throws<HparamsException>(() => Initializers.Apply(a, "xavier_fancy", 1));
    }

    [Fact]
    public void EvaluationBatchesShrinkWithTheActivations()
    {
        using var lenet = ModelRegistry.Create(new ModelHparams("lenet_300_100"), Mnist);
        using var conv6 = ModelRegistry.Create(new ModelHparams("conv6"), Cifar);
        Assert.Equal(784, lenet.LargestActivationPerExample);
        Assert.Equal(1000, lenet.EvaluationBatchSize);
        Assert.Equal(64 * 32 * 32, conv6.LargestActivationPerExample);
        Assert.Equal(112, conv6.EvaluationBatchSize);
        // The largest evaluation activation stays below glibc's mmap threshold, so its memory is reused, not remapped.
        foreach (var model in new[] { lenet, conv6 })
            Assert.True(model.EvaluationBatchSize * model.LargestActivationPerExample * sizeof(float) < global::Lottery.Native.AllocatorTuning.MmapThreshold);
        Assert.StartsWith("glibc malloc: mmap threshold 32 MiB", global::Lottery.Native.AllocatorTuning.Status);
    }

    [Fact]
    public void FlopsCountTheLayers()
    {
        using var lenet = ModelRegistry.Create(new ModelHparams("lenet_300_100"), Mnist);
        Assert.Equal(2L * 266_200, lenet.ForwardFlopsPerExample);
        using var conv2 = ModelRegistry.Create(new ModelHparams("conv2"), Cifar);
        Assert.Equal(2L * (32 * 32 * 64 * 27 + 32 * 32 * 64 * 576) + 2L * (4_300_992 - 38_592), conv2.ForwardFlopsPerExample);
    }
}
