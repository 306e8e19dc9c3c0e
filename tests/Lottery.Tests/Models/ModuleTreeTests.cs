using Lottery.Data;
using Lottery.Hparams;
using Lottery.Models;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Tests.Models;

/// <summary>The lottery machinery works from the module tree: a network of standard TorchSharp layers that the
/// library has never seen is discovered, profiled, initialized, placed in the arena, pruned and trained.</summary>
public class ModuleTreeTests
{
    static readonly InputShape Mnist = new(1, 28, 28, 10);

    /// <summary>conv 1→16 (bias) → batch norm → ReLU → pool → conv 16→16 (no bias) → ReLU → pool → flatten → 784→32 → ReLU → 32→10.
    /// (16 channels: libtorch 2.10's CPU convolution backward has given non-finite gradients with 4 or 8 output channels.)</summary>
    static AdoptedModel UsersNetwork() => new("users_net", nn.Sequential(
        ("stem", nn.Conv2d(1, 16, 3, padding: 1)),
        ("norm", nn.BatchNorm2d(16)),
        ("relu1", nn.ReLU()),
        ("pool1", nn.MaxPool2d(2)),
        ("body", nn.Conv2d(16, 16, 3, padding: 1, bias: false)),
        ("relu2", nn.ReLU()),
        ("pool2", nn.MaxPool2d(2)),
        ("flat", nn.Flatten()),
        ("hidden", nn.Linear(16 * 7 * 7, 32)),
        ("relu3", nn.ReLU()),
        ("head", nn.Linear(32, 10))), Mnist);

    [Fact]
    public void A_network_of_standard_layers_is_discovered_by_layer_type()
    {
        using var model = UsersNetwork();
        Assert.Equal(["stem.weight", "body.weight", "hidden.weight", "head.weight"], model.PrunableTensors.Select(t => t.Name));
        Assert.Equal([LayerKind.Conv, LayerKind.Conv, LayerKind.FullyConnected, LayerKind.Output], model.PrunableTensors.Select(t => t.Kind));
        Assert.Equal([16L, 16, 3, 3], model.PrunableTensors[1].Shape);
        Assert.Equal(144 + 2304 + 784 * 32 + 320, model.PrunableWeightCount);
        Assert.Equal("head.weight", model.OutputTensorName);
        // Parameter names are the network's own: saved weights load back into the bare network.
        Assert.Equal(["stem.weight", "stem.bias", "norm.weight", "norm.bias", "body.weight", "hidden.weight", "hidden.bias", "head.weight", "head.bias"],
            model.named_parameters().Select(p => p.name));
        Assert.Contains("norm.running_mean", model.named_buffers().Select(b => b.name));
    }

    [Fact]
    public void The_forward_profile_counts_every_conv_and_linear_layer_and_the_largest_output()
    {
        using var model = UsersNetwork();
        long expected = 2L * 28 * 28 * 16 * 9 + 2L * 14 * 14 * 16 * 144 + 2L * 784 * 32 + 2L * 32 * 10;
        Assert.Equal(expected, model.ForwardFlopsPerExample);
        Assert.Equal(16 * 28 * 28, model.LargestActivationPerExample);
        Assert.Equal(4, model.Profile.LayersSeen);
        Assert.True(model.training);  // measuring does not leave the model in evaluation mode
    }

    [Fact]
    public void ResNet20_is_discovered_in_registration_order_with_its_shortcuts_and_profiled_exactly()
    {
        using var model = ModelRegistry.Create(new ModelHparams("resnet20"), new InputShape(3, 32, 32, 10));
        var names = model.PrunableTensors.Select(t => t.Name).ToList();
        Assert.Equal(["conv.weight", "block1_1.conv1.weight", "block1_1.conv2.weight"], names.Take(3));
        Assert.Equal(["block2_1.conv1.weight", "block2_1.conv2.weight", "block2_1.shortcut.weight"],
            names.SkipWhile(n => !n.StartsWith("block2_1", StringComparison.Ordinal)).Take(3));
        Assert.Equal("fc.weight", names[^1]);
        Assert.Equal(19 + 2 + 1, names.Count);
        // conv 3→16; stage 1: 6 convs 16→16 at 32²; stage 2: 16→32, 5 × 32→32 at 16² and a 1×1 shortcut; stage 3 likewise at 8².
        long flops = 2L * 1024 * 16 * 27 + 6 * 2L * 1024 * 16 * 144
            + 2L * 256 * 32 * 144 + 5 * 2L * 256 * 32 * 288 + 2L * 256 * 32 * 16
            + 2L * 64 * 64 * 288 + 5 * 2L * 64 * 64 * 576 + 2L * 64 * 64 * 32
            + 2L * 64 * 10;
        Assert.Equal(flops, model.ForwardFlopsPerExample);
        Assert.Equal(16 * 32 * 32, model.LargestActivationPerExample);
    }

    [Fact]
    public void A_users_network_is_initialized_from_its_seed_and_trains_with_a_mask_in_the_arena()
    {
        var h = Synthetic.Hparams("sgd", "60it");
        using var data = SplitData.Create(Synthetic.Raw(), h.Dataset);

        float[] Train(string dir)
        {
            using var model = UsersNetwork();
            Initializers.Apply(model, "glorot_normal", 11);
            var state = ModelState.Of(model);
            Assert.All(state["norm.weight"], v => Assert.Equal(1f, v));
            Assert.All(state["stem.bias"], v => Assert.Equal(0f, v));
            Assert.All(state["norm.running_var"], v => Assert.Equal(1f, v));

            using var arena = new ParameterArena(model);
            var pruner = new Pruner(new PruningHparams("global", GlobalRate: 0.5), model.PrunableTensors);
            var mask = pruner.PruneRound(Mask.Dense(model.PrunableTensors), Scores.Magnitude(arena.Snapshot()));
            arena.SetMask(mask);
            Assert.Equal(model.PrunableWeightCount - (long)Math.Round(0.5 * model.PrunableWeightCount), mask.Names.Sum(n => mask.Remaining(n)));

            // The layers compute with the arena's memory: a change there is a change in the network.
            var stem = model.named_parameters().Single(p => p.name == "stem.weight").parameter;
            arena.Data[(int)arena["stem.weight"].Offset] = 0.25f;  // element (0, 0, 0, 0): first in either layout
            Assert.Equal(0.25f, stem.data<float>()[0]);

            var plan = TrainingPlan.Create(h.Training, h.Dataset.BatchSize, data.Train.Count);
            var result = new Trainer(arena, data, plan).Run(new StageSpec("users", dir, 1, 2));
            Assert.True(result.IterationsRun == 60, string.Join(" | ", result.Rows.Select(r => $"{r.Iteration} {r.TrainLoss} {r.ValidationLoss} {r.ValidationAccuracy}")) + $" diverged {result.Outcome.DivergedAt}");
            Assert.Null(result.Outcome.DivergedAt);
            Assert.True(result.Rows[^1].ValidationAccuracy > 0.5, $"validation accuracy {result.Rows[^1].ValidationAccuracy}");
            var final = WeightsIO.LoadWeights(Path.Combine(dir, StageFiles.Final));
            foreach (var name in mask.Names)
            {
                var alive = mask[name];
                Assert.All(Enumerable.Range(0, alive.Length).Where(i => !alive[i]), i => Assert.Equal(0f, final[name][i]));
            }
            Assert.NotEqual(state["norm.running_mean"], final["norm.running_mean"]);  // batch norm trained in place
            return final["head.weight"];
        }

        using var a = new TempDir();
        using var b = new TempDir();
        Assert.Equal(Train(a.Path), Train(b.Path));  // the same seed gives the same network, bit for bit
    }

    [Fact]
    public void A_parameter_without_a_seeded_rule_is_refused_by_name()
    {
        using var model = new AdoptedModel("prelu_net", nn.Sequential(("flat", nn.Flatten()), ("fc", nn.Linear(784, 10)), ("act", nn.PReLU(1))), Mnist);
        var e = Assert.Throws<NotSupportedException>(() => Initializers.Apply(model, "glorot_normal", 1));
        Assert.Contains("'act.weight'", e.Message);
        Assert.Contains("PReLU", e.Message);
    }

    [Fact]
    public void Convolution_weights_live_channels_last_in_the_arena_and_leave_it_in_standard_order()
    {
        using var model = UsersNetwork();
        Initializers.Apply(model, "glorot_normal", 3);
        var before = ModelState.Of(model);
        using var arena = new ParameterArena(model);
        var body = model.named_parameters().Single(p => p.name == "body.weight").parameter;
        Assert.Equal([144L, 1, 48, 16], body.stride());               // (O, I, kh, kw) indexed over (O, kh, kw, I) memory
        Assert.Equal([784L, 1], model.named_parameters().Single(p => p.name == "hidden.weight").parameter.stride());  // 2-D: unchanged
        Assert.Equal(before["body.weight"], arena.ValuesOf("body.weight"));
        Assert.Equal(before["body.weight"], arena.Snapshot()["body.weight"]);
        using (var contiguous = body.contiguous()) Assert.Equal(before["body.weight"], contiguous.data<float>().ToArray());
        // A mask set in standard order zeroes exactly the standard-order positions.
        var mask = Mask.Dense(model.PrunableTensors);
        var bits = mask["body.weight"].ToArray();
        bits[1] = false;                                               // element (0, 0, 0, 1)
        var pruned = new Mask(mask.Names.ToDictionary(n => n, n => n == "body.weight" ? bits : mask[n]));
        arena.SetMask(pruned);
        Assert.Equal(0f, arena.ValuesOf("body.weight")[1]);
        Assert.Equal(0f, body[0, 0, 0, 1].item<float>());
        Assert.Equal(1, arena.ValuesOf("body.weight").Count(v => v == 0));
    }

    [Fact]
    public void NNPACK_is_switched_off_once_a_model_exists_so_it_never_prints_into_the_progress_display()
    {
        using var model = UsersNetwork();
        Assert.Equal("NNPACK disabled", global::Lottery.Native.ConvolutionBackends.Status);
    }
}
