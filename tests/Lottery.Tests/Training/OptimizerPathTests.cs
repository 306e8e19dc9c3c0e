using Lottery.Data;
using Lottery.Hparams;
using Lottery.Models;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Tests.Training;

/// <summary>The arena as a libtorch tensor with whole-arena tensor-operation optimizers (the path every non-CPU device
/// takes) agrees with the host arena's fused SIMD optimizers: same arithmetic to float rounding, masks exact, and the
/// same training guarantees (checkpoints resume exactly).</summary>
public class OptimizerPathTests
{
    static readonly InputShape Mnist = new(1, 28, 28, 10);

    /// <summary>A conv layer (channels-last in the arena), a linear hidden layer and a head.</summary>
    static LotteryModel Network(long seed)
    {
        var model = new AdoptedModel("paths", nn.Sequential(("conv", nn.Conv2d(1, 16, 3, padding: 1)), ("relu", nn.ReLU()), ("pool", nn.MaxPool2d(4)),
            ("flat", nn.Flatten()), ("fc", nn.Linear(16 * 7 * 7, 32)), ("relu2", nn.ReLU()), ("head", nn.Linear(32, 10))), Mnist);
        Initializers.Apply(model, "glorot_normal", seed);
        return model;
    }

    /// <summary>Each optimizer with and without weight decay (and SGD with Nesterov momentum).</summary>
    public static TheoryData<string, double> Optimizers => new()
    {
        { "adam", 0.0 }, { "adam", 1e-4 }, { "sgd", 0.0 }, { "sgd", 5e-4 }, { "sgd_nesterov", 5e-4 },
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void The_tensor_path_agrees_with_the_SIMD_path_over_200_steps(string optimizer, double weightDecay)
    {
        using var hostModel = Network(1);
        using var tensorModel = Network(1);
        using var host = new ParameterArena(hostModel, onHost: true);
        using var onTensor = new ParameterArena(tensorModel, onHost: false);
        Assert.True(host.OnHost);
        Assert.False(onTensor.OnHost);
        Assert.Throws<InvalidOperationException>(() => onTensor.Data.Length);

        // Half of every prunable tensor pruned at random, the same in both.
        var pruner = new Pruner(new PruningHparams("global", GlobalRate: 0.5), hostModel.PrunableTensors);
        var mask = pruner.RandomLike(pruner.PruneRound(Mask.Dense(hostModel.PrunableTensors), Scores.Magnitude(host.Snapshot())), 5);
        host.SetMask(mask);
        onTensor.SetMask(mask);
        Assert.Equal(host.Data.ToArray(), onTensor.ReadData());

        IOptimizer simd, tensorOps;
        if (optimizer == "adam")
        {
            simd = new AdamOptimizer(host, weightDecay: weightDecay);
            tensorOps = new TensorAdamOptimizer(onTensor, weightDecay: weightDecay);
        }
        else
        {
            bool nesterov = optimizer == "sgd_nesterov";
            simd = new SgdOptimizer(host, 0.9, nesterov, weightDecay);
            tensorOps = new TensorSgdOptimizer(onTensor, 0.9, nesterov, weightDecay);
        }
        var random = new Random(3);
        var gradient = new float[host.Length];
        for (int step = 0; step < 200; step++)
        {
            for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
            gradient.CopyTo(host.Grad);
            using (var g = tensor(gradient)) onTensor.GradTensor.copy_(g);
            double lr = optimizer == "adam" ? 1e-3 : 0.05;
            simd.Step(lr);
            tensorOps.Step(lr);
        }
        Assert.Equal(200, tensorOps.StepCount);

        var expected = host.Data.ToArray();
        var actual = onTensor.ReadData();
        var alive = host.MaskValues.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            if (alive[i] == 0)
            {
                Assert.Equal(0f, expected[i]);
                Assert.Equal(0f, actual[i]);   // masks exact: pruned weights exactly zero on both paths
            }
            else Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-6 + 1e-5 * Math.Abs(expected[i]), $"weight {i}: {expected[i]} vs {actual[i]}");
        }
        foreach (var (name, state) in simd.State)
        {
            var other = tensorOps.State[name];
            for (int i = 0; i < state.Length; i++)
            {
                if (alive[i] == 0) Assert.Equal(0f, other[i]);
                else Assert.True(Math.Abs(state[i] - other[i]) <= 1e-7 + 1e-5 * Math.Abs(state[i]), $"{name}[{i}]: {state[i]} vs {other[i]}");
            }
        }
        // Every slot leaves the tensor arena in standard order like the host one.
        foreach (var slot in host.Slots)
            Assert.Equal(host.ValuesOf(slot.Name).Length, onTensor.ValuesOf(slot.Name).Length);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Visiting_only_kept_positions_gives_the_masked_pass_bit_for_bit(string optimizer, double weightDecay)
    {
        // What the sparse path's optimizer does (ParameterArena.SetMask with skipPruned: kept positions of slots with under a
        // tenth of their weights kept one by one, other slots as masked ranges) against the one masked pass over the whole arena: the same
        // arithmetic per weight, so the same bits, for weights and optimizer state, and pruned positions untouched at zero.
        using var denseModel = Network(1);
        using var sparseModel = Network(1);
        using var dense = new ParameterArena(denseModel);
        using var sparse = new ParameterArena(sparseModel);
        // fc and head at 5% kept (visited position by position: below ActivePositions.SparseBelow), conv at 70% (a masked range).
        var random = new Random(7);
        var mask = new Mask(denseModel.PrunableTensors.Select(t => KeyValuePair.Create(t.Name,
            Enumerable.Range(0, (int)t.Count).Select(_ => random.NextDouble() < (t.Name.StartsWith("conv") ? 0.7 : 0.05)).ToArray())));
        dense.SetMask(mask);
        sparse.SetMask(mask, skipPruned: true);
        Assert.Null(dense.Active);
        Assert.NotNull(sparse.Active);
        Assert.Equal(mask.Names.Where(n => !n.StartsWith("conv")).Sum(n => mask[n].Count(a => a)), sparse.Active!.Indices.Length);
        IOptimizer Make(ParameterArena arena) => optimizer == "adam" ? new AdamOptimizer(arena, weightDecay: weightDecay)
            : new SgdOptimizer(arena, 0.9, optimizer == "sgd_nesterov", weightDecay);
        var masked = Make(dense);
        var kept = Make(sparse);
        var gradient = new float[dense.Length];
        for (int step = 0; step < 50; step++)
        {
            for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
            gradient.CopyTo(dense.Grad);
            gradient.CopyTo(sparse.Grad);
            masked.Step(optimizer == "adam" ? 1e-3 : 0.05);
            kept.Step(optimizer == "adam" ? 1e-3 : 0.05);
        }
        Assert.Equal(dense.Data.ToArray(), sparse.Data.ToArray());
        foreach (var (name, state) in masked.State) Assert.Equal(state, kept.State[name]);
        var alive = dense.MaskValues.ToArray();
        for (int i = 0; i < alive.Length; i++) if (alive[i] == 0) Assert.Equal(0f, sparse.Data[i]);
    }

    static (StageResult Result, Dictionary<string, float[]> Final) Train(string dir, bool onHost, Action<int>? after = null)
    {
        var h = Synthetic.Hparams("adam", "120it");
        using var data = SplitData.Create(Synthetic.Raw(), h.Dataset);
        using var model = ModelRegistry.Create(h.Model, data.Shape);
        Initializers.Apply(model, h.Model.Initializer, 9);
        using var arena = new ParameterArena(model, onHost: onHost);
        var plan = TrainingPlan.Create(h, data.Train.Count);
        var trainer = new Trainer(arena, data, plan) { AfterIteration = after };
        var result = trainer.Run(new StageSpec("paths", dir, 11, 12, CheckpointEvery: 40));
        return (result, WeightsIO.LoadWeights(Path.Combine(dir, StageFiles.Final)));
    }

    [Fact]
    public void A_stage_on_the_tensor_path_trains_like_the_host_path_and_resumes_exactly()
    {
        using var hostDir = new TempDir();
        using var tensorDir = new TempDir();
        using var resumedDir = new TempDir();
        var (hostResult, hostFinal) = Train(hostDir.Path, onHost: true);
        var (tensorResult, tensorFinal) = Train(tensorDir.Path, onHost: false);
        Assert.Null(tensorResult.Outcome.DivergedAt);
        Assert.Equal(hostResult.Rows.Select(r => r.Iteration), tensorResult.Rows.Select(r => r.Iteration));
        // Real gradients feed back through 120 steps: close, not bit-equal.
        Assert.True(Math.Abs(hostResult.Rows[^1].ValidationAccuracy - tensorResult.Rows[^1].ValidationAccuracy) <= 0.02,
            $"validation accuracy {hostResult.Rows[^1].ValidationAccuracy} (host) vs {tensorResult.Rows[^1].ValidationAccuracy} (tensor)");
        foreach (var (name, values) in hostFinal)
            Assert.True(values.Zip(tensorFinal[name]).All(p => Math.Abs(p.First - p.Second) <= 1e-3), name);

        Assert.Throws<TrainingInterruptedException>(() => Train(resumedDir.Path, onHost: false, it => { if (it == 70) throw new TrainingInterruptedException(it); }));
        var (resumed, resumedFinal) = Train(resumedDir.Path, onHost: false);
        Assert.Equal(tensorResult.Rows.Select(r => (r.Iteration, r.ValidationLoss, r.TestAccuracy)), resumed.Rows.Select(r => (r.Iteration, r.ValidationLoss, r.TestAccuracy)));
        foreach (var (name, values) in tensorFinal) Assert.Equal(values, resumedFinal[name]);
    }
}
