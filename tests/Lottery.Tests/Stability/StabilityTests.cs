using System.Globalization;
using Lottery.Branches;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Models;
using Lottery.Pruning;
using Lottery.Reports;
using Lottery.Runs;
using Lottery.Stability;
using Lottery.Training;
using static TorchSharp.torch;

namespace Lottery.Tests.Stability;

/// <summary>Instability analysis: the path's endpoints are the copies' own measurements, a copy against itself is
/// flat, the same seed gives the same copy bit for bit, a masked path keeps its pruned weights at zero, the report's
/// instability is the cached path's, batch norm's statistics are interpolated or recomputed, and bad input is refused.</summary>
public class StabilityTests
{
    static RunIdentity Iterative => new(RunKind.Lottery, Synthetic.Hparams(iterations: "60it"), 0, null);

    static RunHandle Open(string root) => RunHandle.Open(Synthetic.Environment(root, checkpointEvery: 20), Iterative);

    static readonly BranchOptions Options = new(RewindPoints: ["0it", "20it"], Points: 5);

    [Fact]
    public void EndpointsAreTheCopiesOwnMeasurementsAndTheReportRecomputesFromTheCachedPath()
    {
        using var root = new TempDir();
        string runDir;
        using (var run = Open(root.Path))
        {
            new LotteryRunner(run).Find(1, [1]);
            new BranchRunner(run).Run(BranchRegistry.Get("stability"), [1], [0, 1], null, Options);
            runDir = run.Layout.Root;
            foreach (var level in new[] { 0, 1 })
                foreach (var k in new[] { "0it", "20it" })
                {
                    var dir = RunLayout.Branch(run.Layout.Level(1, level), $"stability_{k}");
                    var path = InstabilityPath.TryLoad(dir)!;
                    Assert.Equal(PathEvaluator.Alphas(5), path.Alpha);
                    var copies = path.Copies.Select(c => Path.GetFullPath(Path.Combine(dir, c.Directory))).ToList();
                    // At k = 0 the stage itself (θ0, the replicate's seeds) is copy 1; the other copy trained in the branch.
                    Assert.Equal(k == "0it", copies[0] == run.Layout.Level(1, level));
                    Assert.Equal(Path.Combine(dir, "copy_2"), copies[1]);
                    var end1 = MetricsLog.Read(Path.Combine(copies[0], StageFiles.Metrics))[^1];
                    var end2 = MetricsLog.Read(Path.Combine(copies[1], StageFiles.Metrics))[^1];
                    Assert.Equal(1 - end1.TestAccuracy!.Value, path.TestError[0]);     // exactly: the same weights, measured the same way
                    Assert.Equal(1 - end2.TestAccuracy!.Value, path.TestError[^1]);
                    Assert.Equal(end1.TestLoss!.Value, path.TestLoss[0]);
                    // The copies started at k from θk under the stage's mask, with different data orders.
                    Assert.Equal(run.Plan.ToIterations(k), MetricsLog.Read(Path.Combine(copies[1], StageFiles.Metrics))[0].Iteration);
                    Assert.NotEqual(path.Copies[0].DataSeed, path.Copies[1].DataSeed);
                    Assert.True(WeightsIO.LoadMask(Path.Combine(copies[1], StageFiles.Mask)).SameAs(WeightsIO.LoadMask(Path.Combine(run.Layout.Level(1, level), StageFiles.Mask))));
                }
            // θ20 is the dense network trained from θ0 for 20 iterations with the replicate's seeds: level 0's own trajectory.
            var theta20 = WeightsIO.LoadWeights(Path.Combine(run.Layout.RewindPoint(1, "20it"), StageFiles.Final));
            var start = WeightsIO.LoadWeights(Path.Combine(RunLayout.Branch(run.Layout.Level(1, 1), "stability_20it"), "copy_2", StageFiles.Start));
            var mask1 = WeightsIO.LoadMask(Path.Combine(run.Layout.Level(1, 1), StageFiles.Mask));
            Assert.Equal(WeightsIO.Masked(theta20, mask1)["fc1.weight"], start["fc1.weight"]);
        }
        // The report's numbers are the paths': recomputed here from path.json.
        using var output = new TempDir();
        var report = Report.Build([runDir]);
        ReportWriter.Write(report, output.Path);
        var csv = File.ReadAllLines(Path.Combine(output.Path, "stability.csv"));
        Assert.Equal(StabilityTable.CsvHeader, csv[0]);
        Assert.Equal(4, csv.Length - 1);
        using var table = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output.Path, "table.json")));
        var rows = table.RootElement.GetProperty("stability").EnumerateArray().ToList();
        Assert.Equal(4, rows.Count);
        foreach (var row in rows)
        {
            int level = int.Parse(row.GetProperty("stage").GetString()!["level ".Length..], CultureInfo.InvariantCulture);
            var k = row.GetProperty("rewind_point").GetString();
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RunLayout.Branch(Path.Combine(runDir, "replicate_1", $"level_{level}"), $"stability_{k}"), InstabilityPath.FileName)));
            var errors = json.RootElement.GetProperty("test_error").EnumerateArray().Select(e => e.GetDouble()).ToList();
            double barrier = errors.Max() - (errors[0] + errors[^1]) / 2;
            Assert.Equal(barrier, row.GetProperty("test_instability").GetProperty("mean").GetDouble());
        }
        Assert.Contains(report.Headlines[0].Findings, f => f.StartsWith("Instability (test error barrier", StringComparison.Ordinal));
        Assert.Contains(report.Figures, f => f.Stem == "instability_path_level_1");
    }

    [Fact]
    public void ADenseRunsReportSaysWhereTheDenseNetworkBecomesStable()
    {
        using var root = new TempDir();
        string runDir;
        using (var run = RunHandle.Open(Synthetic.Environment(root.Path, checkpointEvery: 20), new RunIdentity(RunKind.Train, Synthetic.Hparams(iterations: "60it"), 0, null)))
        {
            new LotteryRunner(run).Train([1]);
            new BranchRunner(run).Run(BranchRegistry.Get("stability"), [1], [0], null, Options);
            runDir = run.Layout.Root;
        }
        var report = Report.Build([runDir]);
        // No ticket, yet the finding is the dense network's instability against k (not "no pruned ticket").
        var finding = Assert.Single(report.Headlines[0].Findings, f => f.StartsWith("Instability (test error barrier", StringComparison.Ordinal));
        Assert.Matches(@"level 0 \(100\.0%\): (stable from k = 0it|unstable at 0it|unstable at every k)", finding);
        Assert.DoesNotContain("No pruned ticket has finished yet.", report.Headlines[0].Findings);
    }

    [Fact]
    public void ACopyAgainstItselfIsAFlatPathAndAMaskedPathKeepsPrunedWeightsAtZero()
    {
        using var root = new TempDir();
        using var run = Open(root.Path);
        new LotteryRunner(run).Find(1, [1]);
        var level = run.Layout.Level(1, 1);
        var w = WeightsIO.LoadWeights(Path.Combine(level, StageFiles.Final));
        var mask = WeightsIO.LoadMask(Path.Combine(level, StageFiles.Mask));
        var (testError, _, trainError, _) = PathEvaluator.Evaluate(run, w, w, mask, PathEvaluator.Alphas(7), 500, recomputeBatchNorm: false);
        Assert.All(testError, e => Assert.Equal(testError[0], e));
        Assert.Equal(0, InstabilityPath.Barrier(testError));
        Assert.Equal(0, InstabilityPath.Barrier(trainError));
        // Two different masked networks: every point keeps the pruned weights at exactly 0.
        var other = WeightsIO.Masked(WeightsIO.LoadWeights(Path.Combine(run.Layout.Level(1, 0), StageFiles.Final)), mask);
        foreach (var alpha in PathEvaluator.Alphas(7))
        {
            var state = PathEvaluator.Interpolate(w, other, alpha);
            foreach (var name in mask.Names)
                for (int i = 0; i < mask[name].Length; i++)
                    if (!mask[name][i]) Assert.Equal(0f, state[name][i]);
        }
        // Endpoints are the copies' own weights, bit for bit.
        Assert.Equal(w["fc1.weight"], PathEvaluator.Interpolate(w, other, 0)["fc1.weight"]);
        Assert.Equal(other["fc1.weight"], PathEvaluator.Interpolate(w, other, 1)["fc1.weight"]);
        // Copies that do not share the mask are refused.
        var dense = WeightsIO.LoadWeights(Path.Combine(run.Layout.Level(1, 0), StageFiles.Final));
        Assert.Throws<InvalidDataException>(() => PathEvaluator.Evaluate(run, w, dense, mask, PathEvaluator.Alphas(3), 100, false));
    }

    [Fact]
    public void TwoCopiesWithTheSameSeedAreBitIdentical()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var finals = new List<byte[]>();
        foreach (var root in new[] { a.Path, b.Path })
        {
            using var run = Open(root);
            new LotteryRunner(run).Find(1, [1]);
            new BranchRunner(run).Run(BranchRegistry.Get("stability"), [1], [1], null, new BranchOptions(RewindPoints: ["20it"], Points: 3));
            finals.Add(File.ReadAllBytes(Path.Combine(RunLayout.Branch(run.Layout.Level(1, 1), "stability_20it"), "copy_2", StageFiles.Final)));
            // And copy 1 at k = 0 of the dense level, with the replicate's seeds, is the dense stage itself.
            Assert.Equal(run.SeedsFor(1), StabilityBranch.CopySeeds(run, 1, "0it", 1));
            Assert.NotEqual(run.SeedsFor(1).Data, StabilityBranch.CopySeeds(run, 1, "0it", 2).Data);
        }
        Assert.Equal(finals[0], finals[1]);
    }

    [Fact]
    public void BadOptionsAreRefusedBeforeAnythingIsWritten()
    {
        using var root = new TempDir();
        using var run = Open(root.Path);
        new LotteryRunner(run).Find(1, [1]);
        var before = Directory.GetFileSystemEntries(root.Path, "*", SearchOption.AllDirectories).Length;
        var branch = BranchRegistry.Get("stability");
        void Refused(BranchOptions options, IReadOnlyList<int>? levels, string message)
        {
            var e = Assert.ThrowsAny<Exception>(() => new BranchRunner(run).Run(branch, [1], levels, null, options));
            Assert.True(e is HparamsException or RunFileException, e.GetType().Name);
            Assert.Contains(message, e.Message);
        }
        Refused(new BranchOptions(RewindPoints: ["60it"]), null, "rewind point 60it is not before the end of training (60 iterations)");
        Refused(new BranchOptions(RewindPoints: ["soon"]), null, "malformed step 'soon'");
        Refused(new BranchOptions(Points: 2), null, "the path needs at least 3 points");
        Refused(new BranchOptions(BatchNormStatistics: "freeze"), null, "unknown batch norm statistics 'freeze'");
        Refused(new BranchOptions(TrainExamples: 100000), null, "train examples 100000 is not between 1 and the");
        Refused(new BranchOptions(), [3], "has no level 3 yet");
        Assert.Equal(before, Directory.GetFileSystemEntries(root.Path, "*", SearchOption.AllDirectories).Length);
    }

    /// <summary>A small convolutional network with batch norm on the synthetic images.</summary>
    static readonly CustomModel BatchNormNet = new("bn_net", () => nn.Sequential(
        ("conv1", nn.Conv2d(1, 16, 3, padding: 1)), ("bn1", nn.BatchNorm2d(16)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(4)),
        ("flat", nn.Flatten()), ("fc", nn.Linear(16 * 7 * 7, 10))));

    [Fact]
    public void BatchNormStatisticsAreInterpolatedWithTheWeightsOrRecomputedAlongThePath()
    {
        using var root = new TempDir();
        var shape = new InputShape(1, 28, 28, 10);
        var h = new ExperimentHparams(new DatasetHparams("synthetic", BatchSize: 32, ValidationSize: 200),
            new ModelHparams(BatchNormNet.Name, Architecture: BatchNormNet.Architecture(shape)),
            new TrainingHparams("sgd", 0.01, "40it", EvalEvery: 20), new PruningHparams());
        var env = Synthetic.Environment(root.Path, checkpointEvery: 20) with { Model = BatchNormNet, InputShape = shape, TrainCount = 1200 };
        using var run = RunHandle.Open(env, new RunIdentity(RunKind.Train, h, 0, null));
        new LotteryRunner(run).Train([1]);
        new BranchRunner(run).Run(BranchRegistry.Get("stability"), [1], [0], null, new BranchOptions(Points: 5));
        var dir = RunLayout.Branch(run.Layout.Level(1, 0), "stability_0it");
        var path = InstabilityPath.TryLoad(dir)!;
        var w1 = WeightsIO.LoadWeights(Path.Combine(run.Layout.Level(1, 0), StageFiles.Final));
        var w2 = WeightsIO.LoadWeights(Path.Combine(dir, "copy_2", StageFiles.Final));
        var mask = Mask.Dense(run.PrunableTensors);
        // Interpolated (the default): the running statistics are the copies' own at the endpoints, so the endpoints are
        // their measurements; recomputed: every point's statistics are re-estimated, the endpoints' too.
        Assert.Equal(1 - MetricsLog.Read(Path.Combine(run.Layout.Level(1, 0), StageFiles.Metrics))[^1].TestAccuracy!.Value, path.TestError[0]);
        var recomputed = PathEvaluator.Evaluate(run, w1, w2, mask, path.Alpha, 1000, recomputeBatchNorm: true);
        var interpolated = PathEvaluator.Evaluate(run, w1, w2, mask, path.Alpha, 1000, recomputeBatchNorm: false);
        Assert.Equal(path.TestError, interpolated.TestError);
        Assert.True(interpolated.TestLoss[2] > 0, "the networks fit the test set exactly: nothing to compare");
        Assert.NotEqual(interpolated.TestLoss[2], recomputed.TestLoss[2]);
        Assert.Contains(w1.Keys, k => k.EndsWith("running_var", StringComparison.Ordinal));
        Assert.NotEqual(w1["bn1.running_var"], w2["bn1.running_var"]);
    }
}
