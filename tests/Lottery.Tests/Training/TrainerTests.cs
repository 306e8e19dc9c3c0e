using Lottery.Data;
using Lottery.Hparams;
using Lottery.Models;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Tests.Training;

public class TrainerTests
{
    sealed class ResumeRecorder : ITrainingObserver
    {
        public int? ResumedFrom;
        public void OnResume(string stage, int iteration) => ResumedFrom = iteration;
    }

    static StageResult Train(string dir, ExperimentHparams h, Action<int>? after = null, int checkpointEvery = 60, ITrainingObserver? observer = null,
        bool channelsLast = true)
    {
        using var data = SplitData.Create(Synthetic.Raw(), h.Dataset);
        using var model = ModelRegistry.Create(h.Model, data.Shape);
        Initializers.Apply(model, h.Model.Initializer, 9);
        using var arena = new ParameterArena(model, channelsLast);
        var plan = TrainingPlan.Create(h, data.Train.Count);
        var trainer = new Trainer(arena, data, plan, observer) { AfterIteration = after };
        return trainer.Run(new StageSpec("test", dir, 11, 12, CheckpointEvery: checkpointEvery));
    }

    [Fact]
    public void MeasuresEveryEvalEveryIterationsAndLearns()
    {
        using var dir = new TempDir();
        var result = Train(dir.Path, Synthetic.Hparams());
        Assert.Equal(Enumerable.Range(0, 11).Select(i => i * 20), result.Rows.Select(r => r.Iteration));
        Assert.Null(result.Rows[0].TrainLoss);
        Assert.All(result.Rows.Skip(1), r => Assert.True(r.TrainLoss is double t && double.IsFinite(t)));
        Assert.True(result.Rows[^1].ValidationAccuracy > result.Rows[0].ValidationAccuracy + 0.2,
            $"accuracy went from {result.Rows[0].ValidationAccuracy} to {result.Rows[^1].ValidationAccuracy}");
        var best = result.Rows.MinBy(r => r.ValidationLoss)!;
        Assert.Equal(best.Iteration, result.Outcome.EarlyStopIteration);
        Assert.Equal(best.TestAccuracy, result.Outcome.EarlyStopTestAccuracy);
        Assert.Equal(MetricsLog.Header, File.ReadAllLines(Path.Combine(dir.Path, StageFiles.Metrics))[0]);
        Assert.False(File.Exists(Path.Combine(dir.Path, StageFiles.Checkpoint)));   // removed once finished
    }

    [Theory]
    [InlineData("adam", 0.0)]
    [InlineData("adam", 0.5)]
    [InlineData("sgd", 0.0)]
    public void SameSeedGivesIdenticalMetricsBitForBit(string optimizer, double dropout)
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var h = Synthetic.Hparams(optimizer, dropout: dropout);
        Train(a.Path, h);
        Train(b.Path, h);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.Path, StageFiles.Metrics)), File.ReadAllBytes(Path.Combine(b.Path, StageFiles.Metrics)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.Path, StageFiles.Final)), File.ReadAllBytes(Path.Combine(b.Path, StageFiles.Final)));
    }

    /// <summary>The thread counts a stage trained under are kept across a resume: the checkpoint carries the earlier
    /// processes' counts, the result adds this one's; a checkpoint from before counts were kept adds none, and a
    /// malformed list is refused with the fix.</summary>
    [Fact]
    public void AStageRecordsTheThreadCountsOfEveryProcessThatTrainedIt()
    {
        int now = TorchSharp.torch.get_num_threads();
        var h = Synthetic.Hparams();
        using (var whole = new TempDir())
            Assert.Equal([now], Train(whole.Path, h).Threads);
        foreach (var (earlier, expected) in new (string?, int[])[]
                     { ("3", new[] { now, 3 }), ($"{now}", new[] { now }), (null, new[] { now }), ("1,5", new[] { 1, now, 5 }) })
        {
            using var dir = new TempDir();
            Assert.Throws<TrainingInterruptedException>(() => Train(dir.Path, h, it => { if (it == 75) throw new TrainingInterruptedException(it); }));
            var checkpoint = Path.Combine(dir.Path, StageFiles.Checkpoint);
            var file = TensorFile.Load(checkpoint);
            Assert.Equal($"{now}", file.Meta["threads"]);   // this process's count, written with the checkpoint
            // As if an earlier process (another --threads, another node) had trained up to the checkpoint.
            if (earlier is null) file.Meta.Remove("threads"); else file.Meta["threads"] = earlier;
            file.Save(checkpoint);
            Assert.Equal(expected.Distinct().Order(), Train(dir.Path, h).Threads);
        }
        using var bad = new TempDir();
        Assert.Throws<TrainingInterruptedException>(() => Train(bad.Path, h, it => { if (it == 75) throw new TrainingInterruptedException(it); }));
        var path = Path.Combine(bad.Path, StageFiles.Checkpoint);
        var damaged = TensorFile.Load(path);
        damaged.Meta["threads"] = "2,x";
        damaged.Save(path);
        var e = Assert.Throws<RunFileException>(() => Train(bad.Path, h));
        Assert.Contains("malformed 'threads': delete it and re-run", e.Message);
    }

    [Theory]
    [InlineData(75)]    // between checkpoints: work since the checkpoint at 60 is redone
    [InlineData(120)]   // right after a checkpoint
    [InlineData(199)]   // one iteration before the end
    public void KilledStageResumesToExactlyTheUninterruptedMetrics(int killAfter)
    {
        using var reference = new TempDir();
        using var resumed = new TempDir();
        var h = Synthetic.Hparams(dropout: 0.3);
        Train(reference.Path, h);
        var crash = Assert.Throws<TrainingInterruptedException>(() =>
            Train(resumed.Path, h, it => { if (it == killAfter) throw new TrainingInterruptedException(it); }));
        Assert.Equal(killAfter, crash.Iteration);
        Assert.True(File.Exists(Path.Combine(resumed.Path, StageFiles.Checkpoint)));
        Assert.False(File.Exists(Path.Combine(resumed.Path, StageFiles.Final)));
        var recorder = new ResumeRecorder();
        var result = Train(resumed.Path, h, observer: recorder);
        Assert.Equal(killAfter / 60 * 60, recorder.ResumedFrom);   // it resumed from the last checkpoint, it did not start over
        Assert.Equal(200, result.IterationsRun);                    // reported for the stage as a whole
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference.Path, StageFiles.Metrics)), File.ReadAllBytes(Path.Combine(resumed.Path, StageFiles.Metrics)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference.Path, StageFiles.Final)), File.ReadAllBytes(Path.Combine(resumed.Path, StageFiles.Final)));
    }

    [Fact]
    public void AugmentedTrainingResumesExactlyAndDiffersFromPlainTraining()
    {
        using var plain = new TempDir();
        using var reference = new TempDir();
        using var resumed = new TempDir();
        var h = Synthetic.Hparams(iterations: "100it");
        var augmented = h with { Dataset = h.Dataset with { Augment = true } };
        Train(plain.Path, h);
        Train(reference.Path, augmented);
        Assert.Throws<TrainingInterruptedException>(() => Train(resumed.Path, augmented, it => { if (it == 70) throw new TrainingInterruptedException(it); }));
        Train(resumed.Path, augmented);
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference.Path, StageFiles.Metrics)), File.ReadAllBytes(Path.Combine(resumed.Path, StageFiles.Metrics)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference.Path, StageFiles.Final)), File.ReadAllBytes(Path.Combine(resumed.Path, StageFiles.Final)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(plain.Path, StageFiles.Final)), File.ReadAllBytes(Path.Combine(reference.Path, StageFiles.Final)));
    }

    [Fact]
    public void CorruptedCheckpointIsReportedByName()
    {
        using var dir = new TempDir();
        var h = Synthetic.Hparams();
        Assert.Throws<TrainingInterruptedException>(() => Train(dir.Path, h, it => { if (it == 130) throw new TrainingInterruptedException(it); }));
        var checkpoint = Path.Combine(dir.Path, StageFiles.Checkpoint);
        var bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<RunFileException>(() => Train(dir.Path, h));
        Assert.Contains(checkpoint, e.Message);
        Assert.Contains("delete it", e.Message);
    }

    [Fact]
    public void TestingLessOftenKeepsTheEarlyStopAndFinalFiguresExact()
    {
        using var full = new TempDir();
        using var sparse = new TempDir();
        // A learning rate high enough that the validation loss goes up and down: not every measurement is a new best.
        var h = Synthetic.Hparams("sgd", dropout: 0.2);
        h = h with { Training = h.Training with { Lr = 0.4 } };
        var a = Train(full.Path, h);
        var b = Train(sparse.Path, h with { Training = h.Training with { TestEvery = 100 } });
        Assert.Equal(a.Outcome, b.Outcome);
        Assert.Equal(File.ReadAllBytes(Path.Combine(full.Path, StageFiles.Final)), File.ReadAllBytes(Path.Combine(sparse.Path, StageFiles.Final)));
        Assert.Equal(a.Rows.Select(r => (r.Iteration, r.ValidationLoss)), b.Rows.Select(r => (r.Iteration, r.ValidationLoss)));
        Assert.All(a.Rows, r => Assert.NotNull(r.TestAccuracy));
        // Measured on the schedule (0, 100, 200), at every new best validation loss, and nowhere else.
        double best = double.PositiveInfinity;
        foreach (var r in b.Rows)
        {
            bool newBest = r.ValidationLoss < best;
            if (newBest) best = r.ValidationLoss;
            Assert.Equal(newBest || r.Iteration % 100 == 0, r.TestAccuracy is not null);
        }
        Assert.Contains(b.Rows, r => r.TestAccuracy is null);
        Assert.Throws<HparamsException>(() => (h.Training with { TestEvery = 30 }).Validate());   // not a multiple of 20
    }

    [Fact]
    public void EpochStepsAndTrainSubset()
    {
        using var dir = new TempDir();
        var h = Synthetic.Hparams(iterations: "2ep");
        h = h with { Dataset = h.Dataset with { TrainSubset = 320 } };
        var result = Train(dir.Path, h);
        Assert.Equal(20, result.IterationsRun);   // 320 / 32 = 10 iterations per epoch
        Assert.Equal(20, result.Rows[^1].Iteration);
        Assert.Throws<HparamsException>(() => Train(dir.Path, h with { Dataset = h.Dataset with { TrainSubset = 5000 } }));
    }

    /// <summary>A ResNet with batch norm and SGD momentum: its conv weights live channels-last in the arena while the
    /// checkpoint stores standard order, and a killed stage still resumes to the same bytes.</summary>
    static ExperimentHparams ConvHparams(string iterations) => Synthetic.Hparams("sgd", iterations) with
    {
        Model = new ModelHparams("resnet_8_16"),
        Pruning = new PruningHparams("global", GlobalRate: 0.2),
    };

    [Fact]
    public void AChannelsLastConvNetResumesExactlyFromAStandardOrderCheckpoint()
    {
        using var reference = new TempDir();
        using var resumed = new TempDir();
        var h = ConvHparams("80it");
        Train(reference.Path, h, checkpointEvery: 40);
        Assert.Throws<TrainingInterruptedException>(() => Train(resumed.Path, h, it => { if (it == 50) throw new TrainingInterruptedException(it); }, checkpointEvery: 40));
        var checkpoint = TensorFile.Load(Path.Combine(resumed.Path, StageFiles.Checkpoint));
        Train(resumed.Path, h, checkpointEvery: 40);
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference.Path, StageFiles.Metrics)), File.ReadAllBytes(Path.Combine(resumed.Path, StageFiles.Metrics)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference.Path, StageFiles.Final)), File.ReadAllBytes(Path.Combine(resumed.Path, StageFiles.Final)));

        // The checkpoint's weights are in standard order: the same values a standard-layout arena holds for that state.
        using var model = ModelRegistry.Create(h.Model, new InputShape(1, 28, 28, 10));
        using var standard = new ParameterArena(model, channelsLast: false);
        Assert.Contains(standard.Slots, s => s.Shape.Length == 4);
        Assert.DoesNotContain(standard.Slots, s => s.ChannelsLast);
        var weights = checkpoint.Floats["arena"];
        standard.FromStandard(weights, standard.Data);
        using var channelsLast = new ParameterArena(ModelRegistry.Create(h.Model, new InputShape(1, 28, 28, 10)));
        Assert.All(channelsLast.Slots, s => Assert.Equal(s.Shape.Length == 4, s.ChannelsLast));
        channelsLast.FromStandard(weights, channelsLast.Data);
        Assert.Equal(standard.Snapshot()["conv.weight"], channelsLast.Snapshot()["conv.weight"]);
        Assert.NotEqual(standard.Data.ToArray(), channelsLast.Data.ToArray());   // the layouts do differ in memory
    }

    [Fact]
    public void ChannelsLastAndStandardLayoutsComputeTheSameGradients()
    {
        var shape = new InputShape(3, 32, 32, 10);
        (float[] Grad, float[] Output, ParameterArena Arena) Step(bool channelsLast)
        {
            var model = ModelRegistry.Create(new ModelHparams("resnet_8_16"), shape);
            Initializers.Apply(model, "glorot_normal", 4);
            var arena = new ParameterArena(model, channelsLast);
            using var scope = TorchSharp.torch.NewDisposeScope();
            var x = TorchSharp.torch.randn(16, 3, 32, 32, generator: new TorchSharp.torch.Generator(5));
            var y = model.call(x);
            TorchSharp.torch.nn.functional.cross_entropy(y, TorchSharp.torch.tensor(Enumerable.Range(0, 16).Select(i => (long)(i % 10)).ToArray())).backward();
            return (arena.ToStandard(arena.Grad), y.data<float>().ToArray(), arena);
        }
        var (gradLast, outLast, a) = Step(true);
        var (gradStandard, outStandard, b) = Step(false);
        using (a.Model) using (a) using (b.Model) using (b)
        {
            Assert.True(outLast.Zip(outStandard).Max(p => Math.Abs(p.First - p.Second)) < 1e-4f);
            foreach (var slot in a.Slots)
            {
                var g1 = gradLast.AsSpan((int)slot.Offset, (int)slot.Count).ToArray();
                var g2 = gradStandard.AsSpan((int)slot.Offset, (int)slot.Count).ToArray();
                float scale = g2.Max(Math.Abs);
                Assert.True(g1.Zip(g2).Max(p => Math.Abs(p.First - p.Second)) <= 1e-4f * scale + 1e-7f, slot.Name);
            }
        }
    }
}
