using Lottery.Branches;
using Lottery.Lottery;
using Lottery.Pruning;
using Lottery.Reports;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Tests.Lottery;

public class LotteryRunnerTests
{
    sealed class Recorder : ILotteryObserver
    {
        public List<string> Ran { get; } = [];
        public List<string> Skipped { get; } = [];
        public void OnStageDone(string description, StageSummary summary) => Ran.Add(description);
        public void OnStageSkipped(string description, StageSummary summary) => Skipped.Add(description);
    }

    static RunHandle Open(string root, Recorder? recorder = null, string? rewind = null, RunKind kind = RunKind.Lottery, string iterations = "100it") =>
        RunHandle.Open(Synthetic.Environment(root, recorder), new RunIdentity(kind, Synthetic.Hparams(iterations: iterations), 0, rewind));

    [Fact]
    public void IterativePruningSavesEachLevelWithExactDensitiesAndResetsToTheInit()
    {
        using var root = new TempDir();
        using var run = Open(root.Path);
        var summaries = new LotteryRunner(run).Find(3, [1])[0];
        Assert.Equal(4, summaries.Count);
        var tensors = run.PrunableTensors;          // fc1 784×100, fc2 100×30, out 30×10
        var pruner = run.Pruner;
        for (int level = 0; level <= 3; level++)
        {
            var dir = run.Layout.Level(1, level);
            foreach (var file in new[] { "mask.tsr", "start.tsr", "final.tsr", "metrics.csv", "sparsity.json", "summary.json" })
                Assert.True(File.Exists(Path.Combine(dir, file)), $"{dir}/{file}");
            var mask = WeightsIO.LoadMask(Path.Combine(dir, StageFiles.Mask));
            var expected = pruner.RemainingAfterRounds(level);
            Assert.Equal(expected, tensors.Select(t => mask.Remaining(t.Name)).ToList());
            Assert.Equal(100.0 * expected.Sum() / tensors.Sum(t => t.Count), summaries[level].PercentRemaining, 9);
            // The ticket starts from θ0 on its surviving weights, zero elsewhere.
            var init = WeightsIO.LoadWeights(run.Layout.Init(1));
            var start = WeightsIO.LoadWeights(Path.Combine(dir, StageFiles.Start));
            foreach (var t in tensors)
                for (int i = 0; i < mask[t.Name].Length; i++)
                    Assert.Equal(mask[t.Name][i] ? init[t.Name][i] : 0f, start[t.Name][i]);
            Assert.Equal(init["fc1.bias"], start["fc1.bias"]);
        }
        // Level L's mask is level L−1's mask minus the smallest trained weights of level L−1.
        var m1 = WeightsIO.LoadMask(Path.Combine(run.Layout.Level(1, 1), "mask.tsr"));
        var m2 = WeightsIO.LoadMask(Path.Combine(run.Layout.Level(1, 2), "mask.tsr"));
        var trained1 = WeightsIO.LoadWeights(Path.Combine(run.Layout.Level(1, 1), StageFiles.Final));
        Assert.True(pruner.PruneRound(m1, Scores.Magnitude(trained1)).SameAs(m2));
    }

    [Fact]
    public void ACommandThatFailsBeforeAnyStageLeavesNothingBehind()
    {
        using var root = new TempDir();
        using (var run = Open(root.Path)) Assert.Throws<global::Lottery.Hparams.HparamsException>(() => new LotteryRunner(run).Find(-1, [1]));
        Assert.Empty(Directory.GetFileSystemEntries(root.Path));
        // A finished run keeps everything; a replicate claimed but never started is removed.
        using (var run = Open(root.Path)) new LotteryRunner(run).Find(0, [1]);
        using (var run = Open(root.Path)) run.Claim(2);
        var dir = Directory.GetDirectories(root.Path).Single();
        Assert.Equal(["replicate_1"], Directory.GetDirectories(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void StaleTemporaryFilesOfACrashedWriterAreRemovedWhenTheReplicateIsClaimed()
    {
        using var root = new TempDir();
        using (var run = Open(root.Path)) new LotteryRunner(run).Find(0, [1]);
        var level = Directory.GetDirectories(root.Path, "level_0", SearchOption.AllDirectories).Single();
        var stale = Path.Combine(level, $".checkpoint.tsr.{int.MaxValue}.0123456789abcdef.tmp");   // no such process
        var live = Path.Combine(level, $".final.tsr.1.0123456789abcdef.tmp");                      // pid 1 is alive
        File.WriteAllText(stale, "half a file");
        File.WriteAllText(live, "being written");
        using (var run = Open(root.Path)) new LotteryRunner(run).Find(0, [1]);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
    }

    [Fact]
    public void RerunSkipsFinishedLevelsAndExtendsWhenAskedForMore()
    {
        using var root = new TempDir();
        var first = new Recorder();
        using (var run = Open(root.Path, first)) new LotteryRunner(run).Find(2, [1]);
        Assert.Equal(3, first.Ran.Count);
        var metrics = File.ReadAllBytes(Path.Combine(root.Path, Directory.GetDirectories(root.Path)[0].Split('/')[^1], "replicate_1", "level_2", "metrics.csv"));

        var second = new Recorder();
        using (var run = Open(root.Path, second))
        {
            new LotteryRunner(run).Find(3, [1]);
            Assert.Equal(metrics, File.ReadAllBytes(Path.Combine(run.Layout.Level(1, 2), "metrics.csv")));
        }
        Assert.Equal(3, second.Skipped.Count);
        Assert.Equal(["replicate 1 level 3"], second.Ran);
    }

    [Fact]
    public void LevelInterruptedMidwayResumesToTheSameResultAsAnUninterruptedRun()
    {
        using var reference = new TempDir();
        using var crashed = new TempDir();
        using (var run = Open(reference.Path)) new LotteryRunner(run).Find(2, [1]);
        using (var run = Open(crashed.Path))
        {
            int calls = 0;
            run.AfterIteration = it => { if (++calls == 100 + 100 + 70) throw new TrainingInterruptedException(it); };   // level 2, iteration 70
            Assert.Throws<TrainingInterruptedException>(() => new LotteryRunner(run).Find(2, [1]));
        }
        using (var run = Open(crashed.Path)) new LotteryRunner(run).Find(2, [1]);
        string Dir(string root) => Directory.GetDirectories(root)[0];
        for (int level = 0; level <= 2; level++)
            Assert.Equal(File.ReadAllBytes(Path.Combine(Dir(reference.Path), "replicate_1", $"level_{level}", "metrics.csv")),
                         File.ReadAllBytes(Path.Combine(Dir(crashed.Path), "replicate_1", $"level_{level}", "metrics.csv")));
    }

    [Fact]
    public void ASigtermStopCheckpointsAtTheNextMeasurementAndResumesToTheSameBits()
    {
        using var reference = new TempDir();
        using var stopped = new TempDir();
        using (var run = Open(reference.Path)) new LotteryRunner(run).Find(1, [1]);
        using var stop = new CancellationTokenSource();
        // Checkpoints every 1000 iterations would never come in a 100-iteration stage: the stop makes its own.
        var env = Synthetic.Environment(stopped.Path, checkpointEvery: 1000) with { CheckpointAndStop = stop.Token };
        using (var run = RunHandle.Open(env, new RunIdentity(RunKind.Lottery, Synthetic.Hparams(iterations: "100it"), 0, null)))
        {
            int calls = 0;
            run.AfterIteration = _ => { if (++calls == 100 + 30) stop.Cancel(); };   // level 1, iteration 30
            Assert.Throws<OperationCanceledException>(() => new LotteryRunner(run).Find(1, [1]));
            var level1 = run.Layout.Level(1, 1);
            Assert.Equal("40", TensorFile.Load(Path.Combine(level1, StageFiles.Checkpoint)).Meta["iteration"]);   // the next measurement (every 20)
            Assert.Equal(130 + 10, calls);
            Assert.False(File.Exists(Path.Combine(level1, StageFiles.Final)));
        }
        using (var run = Open(stopped.Path)) new LotteryRunner(run).Find(1, [1]);
        string Dir(string root) => Directory.GetDirectories(root)[0];
        foreach (var file in new[] { "metrics.csv", "final.tsr", "mask.tsr" })
            for (int level = 0; level <= 1; level++)
                Assert.Equal(File.ReadAllBytes(Path.Combine(Dir(reference.Path), "replicate_1", $"level_{level}", file)),
                             File.ReadAllBytes(Path.Combine(Dir(stopped.Path), "replicate_1", $"level_{level}", file)));
    }

    [Fact]
    public void ControlsReuseTheTrunkMasksAndAttachWithoutRecomputingIt()
    {
        using var root = new TempDir();
        using (var run = Open(root.Path)) new LotteryRunner(run).Find(2, [1, 2]);
        var recorder = new Recorder();
        using var handle = Open(root.Path, recorder);
        var trunkFiles = Directory.GetFiles(handle.Layout.Root, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("lock")).ToDictionary(f => f, File.ReadAllBytes);
        var controls = new BranchRunner(handle);
        controls.Run(BranchRegistry.Get("reinit"), [1, 2], null, null, new BranchOptions(Draws: 2));
        controls.Run(BranchRegistry.Get("random_pruning"), [1, 2], [2], null);
        controls.Run(BranchRegistry.Get("continued"), [1], [1], null);
        Assert.Equal(4 * 2 + 2 + 1, recorder.Ran.Count);
        foreach (var (file, bytes) in trunkFiles.Where(kv => !kv.Key.EndsWith("manifest.json") && !kv.Key.EndsWith("lock")))
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(file)), $"{file} changed");   // the trunk is untouched

        for (int r = 1; r <= 2; r++)
            for (int level = 1; level <= 2; level++)
            {
                var trunk = WeightsIO.LoadMask(Path.Combine(handle.Layout.Level(r, level), "mask.tsr"));
                var init = WeightsIO.LoadWeights(handle.Layout.Init(r));
                var draws = new List<Dictionary<string, float[]>>();
                for (int d = 1; d <= 2; d++)
                {
                    var dir = RunLayout.Branch(handle.Layout.Level(r, level), $"reinit_{d}");
                    Assert.True(WeightsIO.LoadMask(Path.Combine(dir, StageFiles.Mask)).SameAs(trunk));
                    var start = WeightsIO.LoadWeights(Path.Combine(dir, StageFiles.Start));
                    Assert.NotEqual(init["fc1.weight"], start["fc1.weight"]);   // fresh weights …
                    Assert.Equal(trunk.Remaining("fc1.weight"), start["fc1.weight"].Count(v => v != 0));   // … on the trunk's mask
                    draws.Add(start);
                }
                Assert.NotEqual(draws[0]["fc1.weight"], draws[1]["fc1.weight"]);
            }
        var random = WeightsIO.LoadMask(Path.Combine(RunLayout.Branch(handle.Layout.Level(1, 2), "random_pruning"), "mask.tsr"));
        var trunk2 = WeightsIO.LoadMask(Path.Combine(handle.Layout.Level(1, 2), "mask.tsr"));
        Assert.False(random.SameAs(trunk2));
        Assert.All(trunk2.Names, n => Assert.Equal(trunk2.Remaining(n), random.Remaining(n)));
        var continued = WeightsIO.LoadWeights(Path.Combine(RunLayout.Branch(handle.Layout.Level(1, 1), "continued"), "start.tsr"));
        var trained0 = WeightsIO.LoadWeights(Path.Combine(handle.Layout.Level(1, 0), StageFiles.Final));
        var mask1 = WeightsIO.LoadMask(Path.Combine(handle.Layout.Level(1, 1), "mask.tsr"));
        Assert.Equal(WeightsIO.Masked(trained0, mask1)["fc1.weight"], continued["fc1.weight"]);

        var report = RunReport.Build(handle.Layout.Root);
        Assert.Equal(["ticket", "reinit", "random_pruning", "continued"], report.Series);
        Assert.Equal(3, report.Rows.Count);
        Assert.Equal(4, report.Rows[1].Cells["reinit"].FinalTestAccuracy.Count);   // 2 replicates × 2 draws
        Assert.Equal(2, report.Rows[1].Cells["ticket"].FinalTestAccuracy.Count);
    }

    [Fact]
    public void RewindingStartsLaterLevelsFromThetaKAtIterationK()
    {
        using var root = new TempDir();
        using var run = Open(root.Path, rewind: "30it");
        Assert.Equal(30, run.RewindIteration);
        new LotteryRunner(run).Find(1, [1]);
        var capture = WeightsIO.LoadWeights(Path.Combine(run.Layout.Level(1, 0), StageFiles.Capture));
        Assert.NotEqual(WeightsIO.LoadWeights(run.Layout.Init(1))["fc1.weight"], capture["fc1.weight"]);
        var mask = WeightsIO.LoadMask(Path.Combine(run.Layout.Level(1, 1), "mask.tsr"));
        Assert.Equal(WeightsIO.Masked(capture, mask)["fc1.weight"], WeightsIO.LoadWeights(Path.Combine(run.Layout.Level(1, 1), "start.tsr"))["fc1.weight"]);
        var rows = MetricsLog.Read(Path.Combine(run.Layout.Level(1, 1), "metrics.csv"));
        Assert.Equal(30, rows[0].Iteration);         // the schedule and data order continue from k
        Assert.Equal(100, rows[^1].Iteration);
        Assert.Equal(70, StageSummary.TryLoad(run.Layout.Level(1, 1))!.IterationsRun);
    }

    [Fact]
    public void OneShotPrunesTheDenseWeightsStraightToEachTarget()
    {
        using var root = new TempDir();
        using var run = Open(root.Path, kind: RunKind.OneShot);
        var summaries = new LotteryRunner(run).OneShot([50, 20], [1])[0];
        Assert.Equal(3, summaries.Count);
        Assert.InRange(summaries[1].PercentRemaining, 49.9, 50.1);
        Assert.InRange(summaries[2].PercentRemaining, 19.9, 20.1);
        Assert.Equal([50.0, 20.0], run.Layout.Targets(1).Select(t => t.Percent));
    }

    [Fact]
    public void TwoProcessesNeverWorkOnTheSameReplicateButMayOnDifferentOnes()
    {
        using var root = new TempDir();
        using var first = Open(root.Path);
        using var second = Open(root.Path);
        first.Claim(1);
        var e = Assert.Throws<RunFileException>(() => new LotteryRunner(second).Find(1, [1]));
        Assert.Contains("in use by another lottery process", e.Message);
        Assert.True(RunLock.IsHeld(first.Layout.Replicate(1)));
        second.Claim(2);                                  // another replicate of the same run is fine
        Assert.True(RunLock.IsHeld(first.Layout.Replicate(2)));
    }

    [Fact]
    public void CorruptedFilesOfAFinishedLevelAreReportedNotReused()
    {
        using var root = new TempDir();
        string level1;
        using (var run = Open(root.Path)) { new LotteryRunner(run).Find(1, [1]); level1 = run.Layout.Level(1, 1); }
        var final = Path.Combine(level1, StageFiles.Final);
        var bytes = File.ReadAllBytes(final);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(final, bytes);
        using (var run = Open(root.Path))
        {
            var e = Assert.Throws<RunFileException>(() => new LotteryRunner(run).Find(1, [1]));
            Assert.Contains(final, e.Message);
        }
        File.WriteAllText(Path.Combine(level1, StageSummary.FileName), "{ not json");
        using (var run = Open(root.Path))
        {
            var e = Assert.Throws<RunFileException>(() => new LotteryRunner(run).Find(1, [1]));
            Assert.Contains("summary.json", e.Message);
        }
    }

    [Fact]
    public void ControlsNeedAnIterativeRunWithPrunedLevels()
    {
        using var root = new TempDir();
        using (var train = Open(root.Path, kind: RunKind.Train))
            Assert.Throws<RunFileException>(() => new BranchRunner(train).Run(BranchRegistry.Get("reinit"), [1], null, null));
        using var run = Open(root.Path);
        var e = Assert.Throws<RunFileException>(() => new BranchRunner(run).Run(BranchRegistry.Get("reinit"), [1], null, null));
        Assert.Contains("lottery find", e.Message);
    }
}
