using Lottery.Data;
using Lottery.Hparams;
using Lottery.Models;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Training;
using TorchSharp;

namespace Lottery.Tests.Training;

/// <summary>Pruned weights stay exactly zero through Adam and SGD with momentum: in memory after every step,
/// in their gradients, in the optimizer state, and in every file written.</summary>
public class MaskEnforcementTests
{
    /// <summary>Synthetic data, an initialized LeNet-100-30 in an arena, and its pruner.</summary>
    sealed class Setup : IDisposable
    {
        public SplitData Data { get; }
        public LotteryModel Model { get; }
        public ParameterArena Arena { get; }
        public Pruner Pruner { get; }

        public Setup(ExperimentHparams h, long seed)
        {
            Data = SplitData.Create(Synthetic.Raw(), h.Dataset);
            Model = ModelRegistry.Create(h.Model, Data.Shape);
            Initializers.Apply(Model, "glorot_normal", seed);
            Arena = new ParameterArena(Model);
            Pruner = new Pruner(h.Pruning, Model.PrunableTensors);
        }

        /// <summary>The mask after <paramref name="rounds"/> rounds of pruning the current weights.</summary>
        public Mask Prune(int rounds)
        {
            var mask = Mask.Dense(Model.PrunableTensors);
            for (int i = 0; i < rounds; i++) mask = Pruner.PruneRound(mask, Scores.Magnitude(Arena.Snapshot()));
            return mask;
        }

        public void Dispose() { Arena.Dispose(); Model.Dispose(); Data.Dispose(); }
    }

    [Theory]
    [InlineData("adam", 0.0)]
    [InlineData("sgd", 0.0)]
    [InlineData("sgd", 1e-3)]
    [InlineData("adam", 1e-3)]
    public void PrunedWeightsNeverRevive(string optimizer, double weightDecay)
    {
        using var dir = new TempDir();
        var h = Synthetic.Hparams(optimizer, "120it");
        h = h with { Training = h.Training with { WeightDecay = weightDecay, Nesterov = optimizer == "sgd" } };
        using var setup = new Setup(h, 3);
        var (data, arena) = (setup.Data, setup.Arena);
        var mask = setup.Prune(2);
        // Give pruned positions non-zero values first: SetMask must zero them.
        arena.Data.Fill(0.1f);
        arena.SetMask(mask);

        var plan = TrainingPlan.Create(h.Training, h.Dataset.BatchSize, data.Train.Count);
        var trainer = new Trainer(arena, data, plan) { AfterIteration = _ => AssertPrunedZero(arena, mask) };
        var result = trainer.Run(new StageSpec("test", dir.Path, 1, 2, CheckpointEvery: 40));
        Assert.Equal(120, result.IterationsRun);

        // Gradients of pruned weights were masked before the update; with the last gradient still in the arena:
        var grads = arena.Grad.ToArray();
        foreach (var slot in arena.Slots.Where(s => s.Prunable))
        {
            var alive = mask[slot.Name];
            for (int i = 0; i < alive.Length; i++)
                if (!alive[i]) Assert.Equal(0f, grads[slot.Offset + i] * arena.MaskValues[(int)slot.Offset + i]);
        }
        var final = WeightsIO.LoadWeights(Path.Combine(dir.Path, StageFiles.Final));
        foreach (var name in mask.Names)
        {
            var alive = mask[name];
            Assert.All(Enumerable.Range(0, alive.Length).Where(i => !alive[i]), i => Assert.Equal(0f, final[name][i]));
            Assert.True(Enumerable.Range(0, alive.Length).Count(i => alive[i] && final[name][i] != 0) > 0.99 * mask.Remaining(name));
        }
        global::Lottery.Lottery.StageRunner.VerifyFinalWeights(dir.Path, mask);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    public void OptimizerStateOfPrunedPositionsStaysZero(string optimizer)
    {
        using var setup = new Setup(Synthetic.Hparams(optimizer), 3);
        var arena = setup.Arena;
        arena.SetMask(setup.Prune(1));
        IOptimizer opt = optimizer == "adam" ? new AdamOptimizer(arena, weightDecay: 1e-3) : new SgdOptimizer(arena, 0.9, true, 1e-3);
        var random = new Random(1);
        for (int step = 0; step < 5; step++)
        {
            for (int i = 0; i < arena.Grad.Length; i++) arena.Grad[i] = (float)(random.NextDouble() - 0.5);   // gradients everywhere
            opt.Step(1e-2);
        }
        for (int i = 0; i < arena.Length; i++)
            if (arena.MaskValues[i] == 0)
            {
                Assert.Equal(0f, arena.Data[i]);
                Assert.All(opt.State.Values, state => Assert.Equal(0f, state[i]));
            }
        Assert.Contains(Enumerable.Range(0, (int)arena.Length), i => arena.MaskValues[i] == 0);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    public void DivergedGradientsLeavePrunedWeightsAndStateExactlyZero(string optimizer)
    {
        // NaN × 0 is NaN: a mask applied by multiplication would let a diverged run fill pruned positions with NaN.
        using var setup = new Setup(Synthetic.Hparams(optimizer), 4);
        var arena = setup.Arena;
        arena.SetMask(setup.Prune(2));
        IOptimizer opt = optimizer == "adam" ? new AdamOptimizer(arena, weightDecay: 1e-3) : new SgdOptimizer(arena, 0.9, false, 1e-3);
        for (int step = 0; step < 3; step++)
        {
            for (int i = 0; i < arena.Grad.Length; i++) arena.Grad[i] = i % 3 == 0 ? float.NaN : i % 3 == 1 ? float.PositiveInfinity : 1e30f;
            opt.Step(1e10);
        }
        arena.ApplyMask();
        Assert.False(arena.AllFinite());
        int pruned = 0;
        for (int i = 0; i < arena.Length; i++)
            if (arena.MaskValues[i] == 0)
            {
                pruned++;
                Assert.Equal(0f, arena.Data[i]);
                Assert.All(opt.State.Values, state => Assert.Equal(0f, state[i]));
            }
        Assert.True(pruned > 1000, $"{pruned} pruned positions");
    }

    [Fact]
    public void AdamMatchesTorchAdamOnADenseStep()
    {
        // Same parameters, same gradients: our fused Adam and TorchSharp's Adam agree to float precision.
        using var setup = new Setup(Synthetic.Hparams("adam"), 5);
        var arena = setup.Arena;
        var reference = new TorchSharp.Modules.Parameter(torch.tensor(arena.Data.ToArray()));
        var torchAdam = torch.optim.Adam([reference], lr: 1e-3, weight_decay: 1e-4);
        var ours = new AdamOptimizer(arena, weightDecay: 1e-4);
        var random = new Random(2);
        for (int step = 0; step < 3; step++)
        {
            var g = Enumerable.Range(0, (int)arena.Length).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            g.CopyTo(arena.Grad);
            reference.grad = torch.tensor(g);
            torchAdam.step();
            ours.Step(1e-3);
        }
        var expected = reference.detach().data<float>().ToArray();
        for (int i = 0; i < expected.Length; i += 97) Assert.Equal(expected[i], arena.Data[i], 5e-6f);
    }

    static void AssertPrunedZero(ParameterArena arena, Mask mask)
    {
        foreach (var slot in arena.Slots.Where(s => s.Prunable))
        {
            var alive = mask[slot.Name];
            var data = arena.ValuesOf(slot.Name);
            for (int i = 0; i < alive.Length; i++)
                if (!alive[i] && data[i] != 0) Assert.Fail($"{slot.Name}[{i}] = {data[i]} although pruned");
        }
    }
}
