using Lottery.Branches;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Pruning.Scoring;
using Lottery.Reports;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Tests.Branches;

/// <summary>Every branch of the registry, on an iterative run's level and on a one-shot target pruned at initialization:
/// it runs (or is refused with one line where it cannot attach), a crash in the middle of its stage resumes to the same
/// bits as an uninterrupted run, a second call computes nothing, and the report and `show` list it under its name.</summary>
public class BranchRegistryTests
{
    public static TheoryData<string> Names => new(BranchRegistry.All.Select(b => b.Name));

    sealed class Recorder : ILotteryObserver
    {
        public List<string> Ran { get; } = [];
        public List<string> Skipped { get; } = [];
        public void OnStageDone(string description, StageSummary summary) => Ran.Add(description);
        public void OnStageSkipped(string description, StageSummary summary) => Skipped.Add(description);
    }

    static RunIdentity Iterative => new(RunKind.Lottery, Synthetic.Hparams(iterations: "60it"), 0, null);
    static RunIdentity AtInit => new(RunKind.OneShot, Synthetic.Hparams(iterations: "60it") with
        { Pruning = Synthetic.Hparams().Pruning with { Strategy = "global", Score = new SnipHparams() } }, 0, null);

    static RunHandle Open(string root, RunIdentity identity, Recorder? recorder = null) => RunHandle.Open(Synthetic.Environment(root, recorder, checkpointEvery: 20), identity);

    /// <summary>The trunk: levels 0–2 of the iterative run, or targets 50% and 20% of the one-shot run.</summary>
    static void Trunk(string root, RunIdentity identity)
    {
        using var run = Open(root, identity);
        if (identity.Kind == RunKind.Lottery) new LotteryRunner(run).Find(2, [1]);
        else new LotteryRunner(run).OneShot([50, 20], [1]);
    }

    /// <summary>Two draws of a drawn branch; two rewind points (one where the stage itself starts, one later) and a short path for stability.</summary>
    static readonly BranchOptions Options = new(Draws: 2, RewindPoints: ["0it", "20it"], Points: 5);

    static IReadOnlyList<StageSummary> Attach(RunHandle run, Branch branch, RunIdentity identity) =>
        new BranchRunner(run).Run(branch, [1], identity.Kind == RunKind.Lottery ? [2] : null, identity.Kind == RunKind.OneShot ? [20.0] : null, Options);

    /// <summary>Every file a branch wrote (its stages, and a stability branch's path and θk stage), but the summaries (they hold wall-clock times).</summary>
    static Dictionary<string, byte[]> Files(string runDirectory, string branch) =>
        Directory.GetFiles(runDirectory, "*", SearchOption.AllDirectories)
            .Where(f => (f.Contains($"/{RunLayout.BranchFolder}/{branch}") || branch == "stability" && f.Contains("/rewind_"))
                        && !f.Contains("/tensorboard/") && !f.EndsWith(StageFiles.Summary))
            .ToDictionary(f => Path.GetRelativePath(runDirectory, f), File.ReadAllBytes);

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryBranchRunsResumesExactlyIsIdempotentAndIsReported(string name)
    {
        var branch = BranchRegistry.Get(name);
        foreach (var identity in new[] { Iterative, AtInit })
        {
            using var reference = new TempDir();
            using var crashed = new TempDir();
            Trunk(reference.Path, identity);
            Trunk(crashed.Path, identity);
            using (var probe = Open(reference.Path, identity))
            {
                var stage = probe.Layout.TrunkStages(1).Last();
                if (branch.Refuses(probe, stage) is { } why)
                {
                    // Refused with one line before anything is written.
                    var before = Directory.GetFiles(reference.Path, "*", SearchOption.AllDirectories).Length;
                    var e = Assert.Throws<HparamsException>(() => Attach(probe, branch, identity));
                    Assert.Equal(why, e.Message);
                    Assert.Equal(before, Directory.GetFiles(reference.Path, "*", SearchOption.AllDirectories).Length);
                    continue;
                }
            }
            string refDir, crashDir;
            var first = new Recorder();
            using (var run = Open(reference.Path, identity, first))
            {
                Attach(run, branch, identity);
                refDir = run.Layout.Root;
            }
            Assert.NotEmpty(first.Ran);
            using (var run = Open(crashed.Path, identity))
            {
                int calls = 0;
                run.AfterIteration = it => { if (++calls == 45) throw new TrainingInterruptedException(it); };   // the first instance, iteration 45
                Assert.Throws<TrainingInterruptedException>(() => Attach(run, branch, identity));
                crashDir = run.Layout.Root;
            }
            var recorder = new Recorder();
            using (var run = Open(crashed.Path, identity, recorder)) Attach(run, branch, identity);
            Assert.True(first.Ran.Count == recorder.Ran.Count + recorder.Skipped.Count(s => first.Ran.Contains(s)),
                $"first ran {string.Join("; ", first.Ran)}; after the crash ran {string.Join("; ", recorder.Ran)}, skipped {string.Join("; ", recorder.Skipped)}");
            var expected = Files(refDir, name);
            var actual = Files(crashDir, name);
            Assert.NotEmpty(expected);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (file, bytes) in expected) Assert.True(bytes.AsSpan().SequenceEqual(actual[file]), $"{name}: {file} differs after resuming");
            // Idempotent: a second call reads everything back.
            var again = new Recorder();
            using (var run = Open(crashed.Path, identity, again)) Attach(run, branch, identity);
            Assert.Empty(again.Ran);
            Assert.NotEmpty(again.Skipped);
            // Reported under its one name: the report's rows and `show`'s columns (a stability branch: its paths).
            var report = Report.Build([crashDir]);
            if (branch is StabilityBranch)
            {
                Assert.Equal(2, report.Experiments[0].Paths.Count);
                Assert.Equal(2, RunReport.Build(crashDir).Stability!.Count);
                Assert.Contains(report.Figures, f => f.Stem.StartsWith("instability_vs_rewind", StringComparison.Ordinal));
                continue;
            }
            Assert.Contains(report.Rows, r => r.Kind.Key == name && r.Stages == branch.Instances(Options).Count);
            Assert.Contains(name, RunReport.Build(crashDir).Series);
            // Every pruned weight of the branch's final weights is zero, and its mask has the trunk's per-layer or total count.
            var trunkStage = new RunLayout(crashDir).TrunkStages(1).Last();
            var trunkMask = WeightsIO.LoadMask(Path.Combine(trunkStage.Directory, StageFiles.Mask));
            foreach (var (instance, dir) in RunLayout.Branches(trunkStage.Directory).Where(b => branch.Owns(b.Name)))
            {
                var mask = WeightsIO.LoadMask(Path.Combine(dir, StageFiles.Mask));
                StageRunner.VerifyFinalWeights(dir, mask);
                Assert.Equal(trunkMask.TotalRemaining, mask.TotalRemaining);
            }
        }
    }

    [Fact]
    public void SanityChecksKeepOrBreakWhatTheyShould()
    {
        using var root = new TempDir();
        Trunk(root.Path, AtInit);
        using var run = Open(root.Path, AtInit);
        var runner = new BranchRunner(run);
        foreach (var b in new[] { "shuffle", "invert" }) runner.Run(BranchRegistry.Get(b), [1], null, [20.0]);
        var target = run.Layout.Target(1, 20);
        var trunk = WeightsIO.LoadMask(Path.Combine(target, StageFiles.Mask));
        var shuffled = WeightsIO.LoadMask(Path.Combine(RunLayout.Branch(target, "shuffle"), StageFiles.Mask));
        var inverted = WeightsIO.LoadMask(Path.Combine(RunLayout.Branch(target, "invert"), StageFiles.Mask));
        // Shuffling keeps every layer's count exactly and moves the survivors.
        foreach (var n in trunk.Names) Assert.Equal(trunk.Remaining(n), shuffled.Remaining(n));
        Assert.False(shuffled.SameAs(trunk));
        // Inverting keeps the global count and keeps the weights SNIP scored lowest: among the dense network's weights,
        // every one it keeps scores no higher than any the trunk keeps... within each tensor's overlap, few are shared.
        Assert.Equal(trunk.TotalRemaining, inverted.TotalRemaining);
        long shared = trunk.Names.Sum(n => trunk[n].Zip(inverted[n]).LongCount(p => p.First && p.Second));
        Assert.True(shared < trunk.TotalRemaining / 10, $"{shared} weights kept by both the ticket and its inversion");
        // The branch's start: θ0 under its mask.
        var init = WeightsIO.LoadWeights(run.Layout.Init(1));
        var start = WeightsIO.LoadWeights(Path.Combine(RunLayout.Branch(target, "shuffle"), StageFiles.Start));
        Assert.Equal(WeightsIO.Masked(init, shuffled)["fc1.weight"], start["fc1.weight"]);
    }

    [Fact]
    public void ABranchDirectoryOfARunMadeBeforeTheRegistryIsReadAndExtendedWhereItIs()
    {
        using var root = new TempDir();
        Trunk(root.Path, Iterative);
        string legacy, runDirectory;
        using (var run = Open(root.Path, Iterative))
        {
            runDirectory = run.Layout.Root;
            new BranchRunner(run).Run(BranchRegistry.Get("reinit"), [1], [2], null);
            var level = run.Layout.Level(1, 2);
            // As runs made before kept it: controls/reinit_1.
            legacy = Path.Combine(level, RunLayout.LegacyBranchFolder, "reinit_1");
            Directory.CreateDirectory(Path.GetDirectoryName(legacy)!);
            Directory.Move(Path.Combine(level, RunLayout.BranchFolder, "reinit_1"), legacy);
        }
        var recorder = new Recorder();
        using (var run = Open(root.Path, Iterative, recorder))
            new BranchRunner(run).Run(BranchRegistry.Get("reinit"), [1], [2], null, new BranchOptions(Draws: 2));
        Assert.Equal(["replicate 1 level 2 reinit 2"], recorder.Ran);
        Assert.Single(recorder.Skipped);
        Assert.True(File.Exists(Path.Combine(legacy, StageFiles.Summary)));
        var report = Report.Build([runDirectory]);
        Assert.Equal(2, report.Rows.Single(r => r.Kind.Key == "reinit").Stages);
    }

    [Fact]
    public void LayerCollapseIsWarnedRecordedInTheSummaryAndShown()
    {
        using var root = new TempDir();
        // Global magnitude at initialization: Glorot gives fc1 (784 inputs) far smaller weights than fc2 and the output
        // layer, so keeping the largest 0.3% keeps none of fc1's: the layer collapses, known only once scored.
        var h = Synthetic.Hparams(iterations: "40it") with { Pruning = new PruningHparams("global", GlobalRate: 0.2, Score: new MagnitudeInitHparams()) };
        var messages = new List<string>();
        using (var run = RunHandle.Open(Synthetic.Environment(root.Path, new MessageRecorder(messages)), new RunIdentity(RunKind.OneShot, h, 0, null)))
            new LotteryRunner(run).OneShot([0.3], [1]);
        var dir = Directory.GetDirectories(root.Path).Single();
        var summary = StageSummary.TryLoad(Path.Combine(dir, "replicate_1", "target_0.3"))!;
        Assert.Equal(["fc1.weight"], summary.EmptyLayers);
        Assert.Contains(messages, m => m.Contains("fc1.weight with 0% of its weights (layer collapse)"));
        Assert.Equal(["fc1.weight"], RunReport.Build(dir).Rows.Single().Cells["ticket"].EmptyLayers);
    }

    [Fact]
    public void ALayerWiseTargetThatWouldPruneALayerAwayIsRefusedBeforeAnythingIsWritten()
    {
        using var root = new TempDir();
        var h = Synthetic.Hparams(iterations: "40it") with { Pruning = Synthetic.Hparams().Pruning with { Score = new RandomHparams() } };
        using (var run = RunHandle.Open(Synthetic.Environment(root.Path), new RunIdentity(RunKind.OneShot, h, 0, null)))
        {
            var e = Assert.Throws<HparamsException>(() => new LotteryRunner(run).OneShot([0.01], [1]));
            Assert.Contains("one-shot target 0.01% would prune fc2.weight away entirely", e.Message);
        }
        Assert.Empty(Directory.GetFileSystemEntries(root.Path));
    }

    sealed class MessageRecorder(List<string> messages) : ILotteryObserver
    {
        public void OnMessage(string message) => messages.Add(message);
    }
}
