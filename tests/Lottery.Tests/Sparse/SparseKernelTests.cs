using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Models;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Sparse;
using Lottery.Tickets;
using Lottery.Tests.Tickets;
using Lottery.Training;
using static TorchSharp.torch;

namespace Lottery.Tests.Sparse;

/// <summary>The sparse path against the dense one: each product of a pruned linear layer on random shapes and densities
/// (an empty row and an empty column included) against libtorch's dense product of the masked weight, to float
/// tolerance; a 200-step training run against the dense run; the exported compressed rows against the dense weights;
/// resumption within the sparse path bit for bit; and the choice recorded.</summary>
public class SparseKernelTests
{
    /// <summary>Float tolerance of one product: sums of up to `inputs` terms in another order than libtorch's differ in the
    /// last bits, about 1e-6 of the terms' magnitude each; 1e-4 relative plus 1e-5 absolute bounds it with room.</summary>
    static void Close(Tensor expected, Tensor actual, string what)
    {
        using var e = expected.contiguous();
        using var a = actual.contiguous();
        var x = e.data<float>().ToArray();
        var y = a.data<float>().ToArray();
        Assert.Equal(x.Length, y.Length);
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(x[i] - y[i]) <= 1e-5 + 1e-4 * Math.Abs(x[i]), $"{what}[{i}]: dense {x[i]}, sparse {y[i]}");
    }

    public static TheoryData<int, int, int, double, int> Cases => new()
    {
        { 7, 13, 5, 0.0, 1 },       // nothing kept: outputs are the bias, gradients zero
        { 300, 784, 60, 0.001, 2 },
        { 300, 784, 60, 0.036, 3 },
        { 100, 300, 60, 0.5, 4 },
        { 10, 100, 17, 1.0, 5 },    // everything kept (and a batch that is no multiple of the vector width)
        { 33, 40, 1000, 0.036, 6 }, // an evaluation-sized batch
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryProductEqualsTheDenseMaskedProductToFloatRounding(int outputs, int inputs, int batch, double density, int seed)
    {
        var random = new Random(seed);
        var alive = Enumerable.Range(0, outputs * inputs).Select(_ => random.NextDouble() < density).ToArray();
        if (density is > 0 and < 1)
        {
            for (int j = 0; j < inputs; j++) alive[2 * inputs + j] = false;         // an empty row (output 2)
            for (int o = 0; o < outputs; o++) alive[o * inputs + 3] = false;         // an empty column (input 3)
        }
        var mask = new Mask([KeyValuePair.Create("fc.weight", alive)]);
        TorchSharp.torch.random.manual_seed(seed);
        using var model = new AdoptedModel("layer", nn.Sequential(("fc", nn.Linear(inputs, outputs))), new InputShape(1, 1, inputs, outputs));
        using var arena = new ParameterArena(model);
        arena.SetMask(mask, skipPruned: true);
        var w = arena.DataTensor.narrow(0, arena["fc.weight"].Offset, arena["fc.weight"].Count).view(outputs, inputs).clone();
        var b = arena.DataTensor.narrow(0, arena["fc.bias"].Offset, outputs).clone();
        var x = randn(batch, inputs);
        var dy = randn(batch, outputs);

        // Dense: libtorch's product of the masked weight (pruned entries are zero in the arena).
        var xd = x.clone().requires_grad_(true);
        var wd = w.clone().requires_grad_(true);
        var bd = b.clone().requires_grad_(true);
        var yd = nn.functional.linear(xd, wd, bd);
        (yd * dy).sum().backward();
        using var maskTensor = tensor(alive).view(outputs, inputs).to(ScalarType.Float32);

        // Sparse: the layer with its kernels attached, through autograd as training runs it.
        using var sparse = SparseNetwork.Attach(model, arena, mask, SparseMode.On);
        Assert.Equal(density < 1 ? 1 : 0, sparse.Layers.Count);
        var xs = x.clone().requires_grad_(true);
        arena.ZeroGrad();
        var ys = model.forward(xs);
        (ys * dy).sum().backward();
        Close(yd, ys, "forward");
        Close(xd.grad!, xs.grad!, "input gradient");
        var gw = arena.GradTensor.narrow(0, arena["fc.weight"].Offset, arena["fc.weight"].Count).view(outputs, inputs);
        Close(wd.grad! * maskTensor, gw, "weight gradient");
        Close(bd.grad!, arena.GradTensor.narrow(0, arena["fc.bias"].Offset, outputs), "bias gradient");
        // Gradients only at kept positions: exactly zero elsewhere.
        var g = gw.contiguous().data<float>().ToArray();
        for (int i = 0; i < g.Length; i++) if (!alive[i]) Assert.Equal(0f, g[i]);
        // Evaluation (no graph) gives the same outputs as training's forward.
        using (no_grad()) Close(yd.detach(), model.forward(x), "evaluation forward");
    }

    /// <summary>A layer training on its kernels adds its weight gradient to the arena's compacted kept gradient (what the
    /// optimizer reads), not to the dense one: each step's compact gradient is exactly that step's (cleared by ZeroGrad, not
    /// accumulated), the dense gradient shows it when read (pruned positions zero), and once the layer is detached the slot's
    /// gradient comes from the dense arena again.</summary>
    [Fact]
    public void ATrainingLayerHandsTheOptimizerItsWeightGradientCompacted()
    {
        var random = new Random(21);
        int outputs = 30, inputs = 50, batch = 8;
        var alive = Enumerable.Range(0, outputs * inputs).Select(_ => random.NextDouble() < 0.05).ToArray();
        var keptPositions = Enumerable.Range(0, alive.Length).Where(i => alive[i]).ToArray();
        var mask = new Mask([KeyValuePair.Create("fc.weight", alive)]);
        TorchSharp.torch.random.manual_seed(21);
        using var model = new AdoptedModel("layer", nn.Sequential(("fc", nn.Linear(inputs, outputs))), new InputShape(1, 1, inputs, outputs));
        using var arena = new ParameterArena(model);
        arena.SetMask(mask, skipPruned: true);
        var kept = arena.KeptGradient!;
        Assert.False(kept.AnyClaimed);
        int offset = (int)arena["fc.weight"].Offset;
        using var maskTensor = tensor(alive).view(outputs, inputs).to(ScalarType.Float32);
        // The weight gradient of sum(y · dy), computed by libtorch from the inputs: dyᵀ x, masked.
        float[] Step(out float[] expected)
        {
            var x = randn(batch, inputs);
            var dy = randn(batch, outputs);
            expected = (dy.t().mm(x) * maskTensor).flatten().data<float>().ToArray();
            arena.ZeroGrad();
            (model.forward(x) * dy).sum().backward();
            return kept.ForStep(arena.DenseGrad).ToArray();
        }
        void AtKeptPositions(float[] expected, float[] compact)
        {
            Assert.Equal(keptPositions.Length, compact.Length);
            for (int k = 0; k < compact.Length; k++)
                Assert.True(Math.Abs(expected[keptPositions[k]] - compact[k]) <= 1e-5 + 1e-4 * Math.Abs(expected[keptPositions[k]]), $"kept {k}: {expected[keptPositions[k]]} vs {compact[k]}");
        }
        using (var sparse = SparseNetwork.Attach(model, arena, mask, SparseMode.On))
        {
            Assert.True(kept.AnyClaimed);
            for (int step = 0; step < 3; step++)
            {
                var compact = Step(out var expected);
                AtKeptPositions(expected, compact);
                if (step != 1) continue;
                // Read through Grad (as a checkpoint or a test would): the dense slot holds the step's gradient, zero where pruned.
                var dense = arena.Grad.Slice(offset, outputs * inputs).ToArray();
                for (int i = 0; i < dense.Length; i++)
                    if (alive[i]) Assert.True(Math.Abs(expected[i] - dense[i]) <= 1e-5 + 1e-4 * Math.Abs(expected[i]), $"dense {i}");
                    else Assert.Equal(0f, dense[i]);
            }
        }
        Assert.False(kept.AnyClaimed);
        // Dense again: libtorch's gradient lands in the dense arena and the optimizer gathers the kept positions from it.
        AtKeptPositions(Step(out var denseExpected) is var gathered ? denseExpected : [], gathered);
    }

    [Theory]
    [InlineData(9)]    // one tile (64 floats with 8-float vectors), mostly padding
    [InlineData(64)]   // one full tile
    [InlineData(70)]   // two tiles, the second nearly all padding
    [InlineData(140)]  // three
    public void TheKernelsAreDeterministicAndSumInColumnOrder(int batch)
    {
        var random = new Random(3);
        int rows = 20, columns = 30, stride = SparseKernels.Stride(batch);
        var alive = Enumerable.Range(0, rows * columns).Select(_ => random.NextDouble() < 0.3).ToArray();
        var layout = new SparseLayout(rows, columns, alive);
        var dense = Enumerable.Range(0, rows * columns).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var values = new float[layout.Nonzeros];
        layout.Gather(dense, values);
        var xt = new float[columns * stride];
        for (int j = 0; j < columns; j++) for (int b = 0; b < batch; b++) xt[j * stride + b] = (float)random.NextDouble();
        var rowValues = new float[layout.Nonzeros];
        layout.ToRowOrder(values, rowValues);
        // Both walks of the forward product (by rows, by columns) and the input gradient give, bit for bit, what a plain
        // scalar loop of fused multiply-adds gives in the same order: increasing input index for each output, increasing
        // output for each input.
        foreach (bool byRows in new[] { true, false })
        {
            var yt = Enumerable.Repeat(float.NaN, rows * stride).ToArray();   // overwritten, not added to
            SparseKernels.Forward(layout, values, rowValues, xt, yt, stride, byRows);
            for (int o = 0; o < rows; o++)
                for (int b = 0; b < batch; b++)
                {
                    float acc = 0;
                    for (int j = 0; j < columns; j++) if (alive[o * columns + j]) acc = MathF.FusedMultiplyAdd(dense[o * columns + j], xt[j * stride + b], acc);
                    Assert.Equal(acc, yt[o * stride + b]);
                }
            for (int i = 0; i < rows * stride; i++) if (i % stride >= batch) Assert.Equal(0f, yt[i]);   // padding stays zero
        }
        var dyt = new float[rows * stride];
        for (int o = 0; o < rows; o++) for (int b = 0; b < batch; b++) dyt[o * stride + b] = (float)random.NextDouble() - 0.5f;
        var dxt = Enumerable.Repeat(float.NaN, columns * stride).ToArray();
        SparseKernels.InputGradient(layout, values, dyt, dxt, stride);
        for (int j = 0; j < columns; j++)
            for (int b = 0; b < stride; b++)
            {
                float acc = 0;
                for (int o = 0; o < rows; o++) if (alive[o * columns + j]) acc = MathF.FusedMultiplyAdd(dense[o * columns + j], dyt[o * stride + b], acc);
                Assert.Equal(acc, dxt[j * stride + b]);
            }
        // The weight gradient takes a column's kept weights four at a time: each of those sums is bit for bit the one
        // the weight gets alone (a layout keeping only it: a column of one, summed by the single dot product).
        var weightGrad = new float[layout.Nonzeros];
        SparseKernels.WeightGradient(layout, dyt, xt, weightGrad, [], stride);
        Assert.Contains(Enumerable.Range(0, columns), j => layout.ColumnOffsets[j + 1] - layout.ColumnOffsets[j] >= 4);
        for (int k = 0; k < layout.Nonzeros; k++)
        {
            var single = new bool[rows * columns];
            single[layout.Positions[k]] = true;
            var alone = new float[1];
            SparseKernels.WeightGradient(new SparseLayout(rows, columns, single), dyt, xt, alone, [], stride);
            Assert.Equal(alone[0], weightGrad[k]);
        }
        // The row-major index: row o's entries are its kept columns, increasing, with their values.
        for (int o = 0, m = 0; o < rows; o++)
        {
            Assert.Equal(m, layout.RowOffsets[o]);
            for (int j = 0; j < columns; j++)
                if (alive[o * columns + j]) { Assert.Equal(j, layout.RowColumns[m]); Assert.Equal(dense[o * columns + j], rowValues[m]); m++; }
        }
        var grad = new float[rows * columns];
        var compact = Enumerable.Range(0, layout.Nonzeros).Select(k => (float)k).ToArray();
        layout.ScatterAdd(compact, grad);
        for (int k = 0; k < layout.Nonzeros; k++) Assert.Equal(k, grad[layout.Positions[k]]);
    }

    [Fact]
    public void ASmallerBatchAfterALargerOneAtTheSameStrideGetsTheGradientsOfAFreshLayer()
    {
        // 60 then 57 examples share a stride (64 floats): the columns 57–59 that the first batch filled must read as zero
        // padding in the second, or the weight gradient (summed over the whole stride) takes in the first batch's products.
        Assert.Equal(SparseKernels.Stride(60), SparseKernels.Stride(57));
        // Whole tiles of 64 floats, an odd number of them from eight tiles on (rows 4 KB apart would share cache sets).
        Assert.Equal([64, 64, 128, 448, 576, 576, 1088, 1088], new[] { 1, 64, 65, 448, 449, 512, 1000, 1024 }.Select(SparseKernels.Stride));
        var random = new Random(11);
        var alive = Enumerable.Range(0, 40 * 90).Select(_ => random.NextDouble() < 0.1).ToArray();
        var mask = new Mask([KeyValuePair.Create("fc.weight", alive)]);
        float[] Gradients(bool largerFirst)
        {
            TorchSharp.torch.random.manual_seed(5);
            using var model = new AdoptedModel("layer", nn.Sequential(("fc", nn.Linear(90, 40))), new InputShape(1, 1, 90, 40));
            using var arena = new ParameterArena(model);
            arena.SetMask(mask, skipPruned: true);
            using var sparse = SparseNetwork.Attach(model, arena, mask, SparseMode.On);
            var big = randn(60, 90).requires_grad_(true);
            var small = randn(57, 90).requires_grad_(true);
            var dyBig = randn(60, 40);
            var dySmall = randn(57, 40);
            if (largerFirst) (model.forward(big) * dyBig).sum().backward();
            arena.ZeroGrad();
            (model.forward(small) * dySmall).sum().backward();
            return arena.GradTensor.data<float>().ToArray();
        }
        Assert.Equal(Gradients(largerFirst: false), Gradients(largerFirst: true));
    }

    [Fact]
    public void BuffersStartOnACacheLine()
    {
        for (int n = 1; n < 40; n++)
        {
            var array = GC.AllocateArray<float>(n + 16, pinned: true);
            int start = Alignment.FloatsTo64Bytes(array);
            Assert.InRange(start, 0, 15);
            var handle = System.Runtime.InteropServices.GCHandle.Alloc(array, System.Runtime.InteropServices.GCHandleType.Pinned);
            try { Assert.Equal(0, (handle.AddrOfPinnedObject() + start * sizeof(float)) % 64); }
            finally { handle.Free(); }
        }
    }

    /// <summary>The transpose into the kernels' layout: every element where a plain loop puts it, bit for bit, and the padding
    /// columns untouched, at shapes with and without whole 8 × 8 blocks on either side.</summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 5)]
    [InlineData(8, 8)]
    [InlineData(9, 13)]
    [InlineData(60, 784)]
    [InlineData(64, 300)]
    [InlineData(70, 17)]
    [InlineData(1000, 100)]
    public void TheTransposeIntoTheKernelsLayoutIsExactAndLeavesThePaddingAlone(int batch, int features)
    {
        var random = new Random(batch * 1000 + features);
        int stride = SparseKernels.Stride(batch);
        var x = Enumerable.Range(0, batch * features).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var xt = Enumerable.Repeat(float.NaN, features * stride).ToArray();   // the padding must stay what it was
        SparseKernels.Transpose(x, batch, features, xt, stride);
        for (int j = 0; j < features; j++)
        {
            for (int b = 0; b < batch; b++) Assert.Equal(BitConverter.SingleToInt32Bits(x[b * features + j]), BitConverter.SingleToInt32Bits(xt[j * stride + b]));
            for (int b = batch; b < stride; b++) Assert.True(float.IsNaN(xt[j * stride + b]), $"padding [{j}, {b}] written");
        }
        Assert.Throws<ArgumentException>(() => SparseKernels.Transpose(x, batch, features, new float[features * stride - 1], stride));
    }

    /// <summary>auto picks each use of a layer by its own crossover (Crossover.cs): a narrow layer (at most 1,024 inputs) below
    /// 30% runs sparse in both, a wide one between 10% and 20% trains sparse and evaluates dense, below 10% both, above 20%
    /// neither; a small layer (an output layer) as any narrow one. Which path computed shows in the output: the kernels return the transpose
    /// of their feature-major buffer (not contiguous), the dense layer a contiguous batch × out matrix.</summary>
    [Theory]
    [InlineData(300, 100, 0.25, "fc.weight")]
    [InlineData(300, 100, 0.35, null)]
    [InlineData(2048, 20, 0.15, "fc.weight (training)")]
    [InlineData(2048, 20, 0.05, "fc.weight")]
    [InlineData(2048, 20, 0.25, null)]
    [InlineData(100, 10, 0.2, "fc.weight")]   // an output layer of 1,000 weights
    [InlineData(100, 10, 0.5, null)]
    public void AutoRunsEachUseOfALayerSparseOnlyBelowItsOwnCrossover(int inputs, int outputs, double density, string? recorded)
    {
        var random = new Random(11);
        // Exactly round(density · weights) kept, so the density is the one named.
        int weights = inputs * outputs, kept = (int)Math.Round(density * weights);
        var alive = new bool[weights];
        foreach (var i in Enumerable.Range(0, weights).OrderBy(_ => random.Next()).Take(kept)) alive[i] = true;
        var mask = new Mask([KeyValuePair.Create("fc.weight", alive)]);
        using var model = new AdoptedModel("layer", nn.Sequential(("fc", nn.Linear(inputs, outputs))), new InputShape(1, 1, inputs, outputs));
        using var arena = new ParameterArena(model);
        arena.SetMask(mask, skipPruned: true);
        using var sparse = SparseNetwork.Attach(model, arena, mask, SparseMode.Auto);
        Assert.Equal(recorded is null ? Array.Empty<string>() : new[] { recorded }, sparse.Names);
        bool trains = recorded is not null, evaluates = recorded == "fc.weight";
        using var x = randn(60, inputs);
        using (var y = model.forward(x.requires_grad_(true))) Assert.Equal(!trains, y.is_contiguous());
        using (inference_mode())
        using (var y = model.forward(randn(1000, inputs))) Assert.Equal(!evaluates, y.is_contiguous());
        // Both uses agree with the dense product to float tolerance whichever path computed them.
        var w = arena.DataTensor.narrow(0, arena["fc.weight"].Offset, weights).view(outputs, inputs);
        var b = arena.DataTensor.narrow(0, arena["fc.bias"].Offset, outputs);
        using (no_grad()) Close(nn.functional.linear(x, w, b), model.forward(x), "evaluation");
    }

    static RunEnvironment Sparse(string root, SparseMode mode, ILotteryObserver? observer = null) =>
        Synthetic.Environment(root, observer, checkpointEvery: 60) with { Sparse = mode };

    /// <summary>LeNet-100-30 on the synthetic data, 200 iterations a level, half of each hidden layer pruned per round.</summary>
    static RunIdentity Ticket() => new(RunKind.Lottery, Synthetic.Hparams(iterations: "200it") with
        { Pruning = new PruningHparams(FcRate: 0.5, OutputRate: 0.1) }, 0, null);

    [Fact]
    public void ASparseTrainingRunStaysWithinFloatToleranceOfTheDenseRunAndResumesToItsOwnBits()
    {
        using var dense = new TempDir();
        using var sparse = new TempDir();
        using var crashed = new TempDir();
        var identity = Ticket();
        // Levels 0–5 at 50% per round: fc1 and fc2 reach 3.1%, below the crossover; the output layer (10% per round) 59%.
        string Run(string root, SparseMode mode, Action<RunHandle>? crash = null)
        {
            using var run = RunHandle.Open(Sparse(root, mode), identity);
            crash?.Invoke(run);
            new LotteryRunner(run).Find(5, [1]);
            return run.Layout.Root;
        }
        var d = Run(dense.Path, SparseMode.Off);
        var s = Run(sparse.Path, SparseMode.Auto);
        var level = Path.Combine(s, "replicate_1", "level_5");
        var summary = StageSummary.TryLoad(level)!;
        Assert.Equal(["fc1.weight", "fc2.weight"], summary.SparseLayers);   // the output layer is above the crossover
        Assert.Null(StageSummary.TryLoad(Path.Combine(s, "replicate_1", "level_1"))!.SparseLayers);   // 50%: dense is faster there
        Assert.Equal("auto", RunManifest.LoadVerified(s).Versions["sparse"]);
        // Level 5's ticket: its mask is level 4's trained weights' (which the two paths reached to float rounding), so the
        // comparison is of one ticket trained both ways: the dense path's mask, trained with the sparse kernels.
        using (var run = RunHandle.Open(Sparse(Path.Combine(sparse.Path, "same-mask"), SparseMode.On), identity))
        {
            // Copy the dense run's level 0–4 so that level 5 prunes from the same weights.
            foreach (var l in Enumerable.Range(0, 5)) CopyStage(Path.Combine(d, "replicate_1", $"level_{l}"), run.Layout.Level(1, l));
            File.Copy(Path.Combine(d, "replicate_1", "init.tsr"), run.Layout.Init(1), true);
            File.Copy(Path.Combine(d, "replicate_1", "seeds.json"), Path.Combine(run.Layout.Replicate(1), "seeds.json"), true);
            new LotteryRunner(run).Find(5, [1]);
            var mask = WeightsIO.LoadMask(Path.Combine(run.Layout.Level(1, 5), StageFiles.Mask));
            Assert.True(mask.SameAs(WeightsIO.LoadMask(Path.Combine(d, "replicate_1", "level_5", StageFiles.Mask))));
            var wd = WeightsIO.LoadWeights(Path.Combine(d, "replicate_1", "level_5", StageFiles.Final));
            var ws = WeightsIO.LoadWeights(Path.Combine(run.Layout.Level(1, 5), StageFiles.Final));
            foreach (var name in mask.Names)
                for (int i = 0; i < mask[name].Length; i++)
                {
                    if (!mask[name][i]) { Assert.Equal(0f, ws[name][i]); continue; }
                    // 200 Adam steps from the same start: the last bits differ, the weights stay within 1e-3 of each other.
                    Assert.True(Math.Abs(wd[name][i] - ws[name][i]) <= 1e-3, $"{name}[{i}]: dense {wd[name][i]}, sparse {ws[name][i]}");
                }
        }
        // Killed in the middle of a sparse stage, resumed: the same bits as the uninterrupted sparse run.
        var c = Run(crashed.Path, SparseMode.Auto, run =>
        {
            int calls = 0;
            run.AfterIteration = it => { if (++calls == 5 * 200 + 130) throw new TrainingInterruptedException(it); };
            Assert.Throws<TrainingInterruptedException>(() => new LotteryRunner(run).Find(5, [1]));
        });
        foreach (var file in new[] { StageFiles.Metrics, StageFiles.Final, StageFiles.Mask })
            Assert.Equal(File.ReadAllBytes(Path.Combine(level, file)), File.ReadAllBytes(Path.Combine(c, "replicate_1", "level_5", file)));
    }

    static void CopyStage(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)), true);
    }

    [Fact]
    public void TheExportedCompressedRowsReadBackFromTheSpecMultiplyLikeTheDenseWeights()
    {
        using var root = new TempDir();
        var identity = Ticket();
        string dir;
        using (var run = RunHandle.Open(Sparse(root.Path, SparseMode.Auto), identity))
        {
            new LotteryRunner(run).Find(2, [1]);
            dir = run.Layout.Root;
        }
        using var output = new TempDir();
        var export = TicketExport.Write(dir, 1, 2, output.Path);
        var file = new SpecSafeTensorsReader(File.ReadAllBytes(export.SparseSafeTensors));
        var trained = WeightsIO.LoadWeights(Path.Combine(dir, "replicate_1", "level_2", StageFiles.Final));
        var mask = WeightsIO.LoadMask(Path.Combine(dir, "replicate_1", "level_2", StageFiles.Mask));
        var random = new Random(5);
        foreach (var name in mask.Names)
        {
            var shape = file.Metadata[$"{name}.shape"].Split(',').Select(long.Parse).ToArray();
            long rows = shape[0], columns = shape[1];
            var offsets = file.Longs(name + ".row_offsets");
            var cols = file.Longs(name + ".column_indices");
            var values = file.Floats(name + ".values");
            Assert.Equal(rows + 1, offsets.Length);
            Assert.Equal(mask.Remaining(name), values.Length);
            var x = Enumerable.Range(0, (int)columns).Select(_ => random.NextDouble()).ToArray();
            for (long r = 0; r < rows; r++)
            {
                double sparse = 0, dense = 0;
                for (long k = offsets[r]; k < offsets[r + 1]; k++) sparse += values[k] * x[cols[k]];
                for (long c = 0; c < columns; c++) dense += trained[name][r * columns + c] * x[c];
                Assert.Equal(dense, sparse, 9);
            }
        }
        Assert.Equal(trained["fc1.bias"], file.Floats("fc1.bias"));
    }
}
