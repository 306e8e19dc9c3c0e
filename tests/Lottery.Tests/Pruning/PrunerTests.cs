using Lottery.Hparams;
using Lottery.Models;
using Lottery.Pruning;

namespace Lottery.Tests.Pruning;

public class PrunerTests
{
    static readonly List<PrunableTensor> Tensors =
    [
        new("fc1.weight", LayerKind.FullyConnected, [50, 40]),
        new("fc2.weight", LayerKind.FullyConnected, [20, 50]),
        new("out.weight", LayerKind.Output, [10, 20]),
    ];

    static Dictionary<string, float[]> RandomWeights(int seed)
    {
        var random = new Random(seed);
        return Tensors.ToDictionary(t => t.Name, t => Enumerable.Range(0, (int)t.Count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
    }

    [Fact]
    public void LayerwiseRoundRemovesExactlyTheSmallestOfEachLayer()
    {
        var weights = RandomWeights(1);
        var pruner = new Pruner(new PruningHparams(FcRate: 0.2, OutputRate: 0.1), Tensors);
        var dense = Mask.Dense(Tensors);
        var mask = pruner.PruneRound(dense, Scores.Magnitude(weights));
        Assert.Equal(1600, mask.Remaining("fc1.weight"));     // 2000 − 400
        Assert.Equal(800, mask.Remaining("fc2.weight"));      // 1000 − 200
        Assert.Equal(180, mask.Remaining("out.weight"));      // 200 − 20
        foreach (var name in mask.Names)
        {
            var w = weights[name];
            var alive = mask[name];
            float largestPruned = Enumerable.Range(0, w.Length).Where(i => !alive[i]).Max(i => Math.Abs(w[i]));
            float smallestKept = Enumerable.Range(0, w.Length).Where(i => alive[i]).Min(i => Math.Abs(w[i]));
            Assert.True(largestPruned <= smallestKept);
        }
        // A second round prunes from the survivors only: round(0.2 × 1600) = 320 more.
        var second = pruner.PruneRound(mask, Scores.Magnitude(weights));
        Assert.Equal(1280, second.Remaining("fc1.weight"));
        Assert.All(second.Names, n => Assert.True(Enumerable.Range(0, second[n].Length).All(i => mask[n][i] || !second[n][i])));
    }

    [Fact]
    public void TiesBreakByPositionSoEqualWeightsGiveTheSameMaskEverywhere()
    {
        var weights = Tensors.ToDictionary(t => t.Name, t => Enumerable.Repeat(0.5f, (int)t.Count).ToArray());
        var pruner = new Pruner(new PruningHparams(FcRate: 0.2, OutputRate: 0.1), Tensors);
        var mask = pruner.PruneRound(Mask.Dense(Tensors), Scores.Magnitude(weights));
        Assert.All(Enumerable.Range(0, 2000), i => Assert.Equal(i >= 400, mask["fc1.weight"][i]));
        Assert.True(mask.SameAs(pruner.PruneRound(Mask.Dense(Tensors), Scores.Magnitude(weights))));
    }

    [Fact]
    public void GlobalRoundUsesOneThresholdAndLeavesExcludedTensorsAlone()
    {
        var weights = RandomWeights(2);
        for (int i = 0; i < weights["fc2.weight"].Length; i++) weights["fc2.weight"][i] *= 0.01f;   // fc2 is all tiny
        for (int i = 0; i < weights["fc1.weight"].Length; i++) weights["fc1.weight"][i] += Math.Sign(weights["fc1.weight"][i]) * 0.5f;
        var pruner = new Pruner(new PruningHparams("global", GlobalRate: 0.3, Exclude: ["out"]), Tensors);
        var mask = pruner.PruneRound(Mask.Dense(Tensors), Scores.Magnitude(weights));
        Assert.Equal(200, mask.Remaining("out.weight"));
        Assert.Equal(3000 - 900, mask.Remaining("fc1.weight") + mask.Remaining("fc2.weight"));
        Assert.Equal(100, mask.Remaining("fc2.weight"));       // all 900 pruned are fc2's smallest (it holds the 1000 smallest)
    }

    [Fact]
    public void LayerwiseHonoursExclusionsAndShortNamesMeanTheSameTensor()
    {
        var weights = RandomWeights(5);
        var pruner = new Pruner(new PruningHparams("layerwise", FcRate: 0.2, OutputRate: 0.1, Exclude: ["fc1"]), Tensors);
        Assert.Equal(["fc1.weight"], pruner.Excluded);
        var mask = pruner.PruneRound(Mask.Dense(Tensors), Scores.Magnitude(weights));
        Assert.Equal(2000, mask.Remaining("fc1.weight"));    // excluded: never pruned
        Assert.Equal(800, mask.Remaining("fc2.weight"));     // 20% of 1000
        Assert.Equal(180, mask.Remaining("out.weight"));     // 10% of 200
        Assert.Equal(100.0 * (2000 + 800 * 0.8 + 180 - 18) / 3200, pruner.PercentRemainingAfterRounds(2), 9);

        var names = Tensors.Select(t => t.Name).ToList();
        var shortNames = new PruningHparams("global", Exclude: ["out", "fc1"], LayerRates: null).Normalize(names);
        var fullNames = new PruningHparams("global", Exclude: ["fc1.weight", "out.weight", "out"]).Normalize(names);
        Assert.Equal(["fc1.weight", "out.weight"], shortNames.Exclude);
        Assert.Equal(shortNames.ToCanonical().Hash(), fullNames.ToCanonical().Hash());
        var rates = new PruningHparams(LayerRates: new Dictionary<string, double> { ["fc1"] = 0.3 }).Normalize(names);
        Assert.Equal(new PruningHparams(LayerRates: new Dictionary<string, double> { ["fc1.weight"] = 0.3 }).ToCanonical().Hash(), rates.ToCanonical().Hash());
        Assert.Throws<HparamsException>(() => new PruningHparams(LayerRates: new Dictionary<string, double> { ["fc1"] = 0.3, ["fc1.weight"] = 0.4 }).Normalize(names));
        Assert.Throws<HparamsException>(() => new PruningHparams(Exclude: ["fc9"]).Normalize(names));
    }

    [Fact]
    public void OneShotReachesTheTargetWithTheLayerRatiosOfIterativePruning()
    {
        var weights = RandomWeights(3);
        var pruner = new Pruner(new PruningHparams(FcRate: 0.2, OutputRate: 0.1), Tensors);
        var mask = pruner.PruneTo(Mask.Dense(Tensors), Scores.Magnitude(weights), 20.0);
        Assert.InRange(100.0 * mask.TotalRemaining / mask.TotalSize, 19.95, 20.05);
        // Output pruned at half the rate keeps a larger fraction, as iterative pruning would.
        Assert.True(mask.Remaining("out.weight") / 200.0 > mask.Remaining("fc1.weight") / 2000.0);
        Assert.Throws<HparamsException>(() => pruner.PruneTo(Mask.Dense(Tensors), Scores.Magnitude(weights), 0));
    }

    [Fact]
    public void RandomPruningKeepsPerLayerCountsAndIsSeeded()
    {
        var weights = RandomWeights(4);
        var pruner = new Pruner(new PruningHparams(FcRate: 0.2, OutputRate: 0.1), Tensors);
        var reference = pruner.PruneRound(pruner.PruneRound(Mask.Dense(Tensors), Scores.Magnitude(weights)), Scores.Magnitude(weights));
        var a = pruner.RandomLike(reference, 11);
        var b = pruner.RandomLike(reference, 11);
        var c = pruner.RandomLike(reference, 12);
        foreach (var name in reference.Names) Assert.Equal(reference.Remaining(name), a.Remaining(name));
        Assert.True(a.SameAs(b));
        Assert.False(a.SameAs(c));
        Assert.False(a.SameAs(reference));
    }

    [Fact]
    public void SparsityReportCountsPerLayerAndTotal()
    {
        var pruner = new Pruner(new PruningHparams(FcRate: 0.2, OutputRate: 0.1), Tensors);
        var report = pruner.PruneRound(Mask.Dense(Tensors), Scores.Magnitude(RandomWeights(5))).Report(Tensors);
        Assert.Equal(3200, report.Weights);
        Assert.Equal(1600 + 800 + 180, report.Remaining);
        Assert.Equal(80.0, report.Layers[0].PercentRemaining, 10);
        Assert.Equal(90.0, report.Layers[2].PercentRemaining, 10);
    }
}
