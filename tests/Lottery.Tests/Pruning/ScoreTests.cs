using Lottery.Data;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Models;
using Lottery.Pruning;
using Lottery.Pruning.Scoring;
using Lottery.Runs;
using static TorchSharp.torch;

namespace Lottery.Tests.Pruning;

/// <summary>Each score against values computed here independently (by hand-written forward and backward passes in
/// double precision), SynFlow's conservation law, and the exact counts every score gets under every strategy.</summary>
public class ScoreTests
{
    public static TheoryData<string> Names => new(ScoreRegistry.All.Select(s => s.Name));

    // A two-layer network without biases: 4 inputs, 3 hidden ReLU units, 2 classes.
    static readonly InputShape Shape = new(1, 2, 2, 2);
    static readonly CustomModel TwoLayer = new("two_layer", () => nn.Sequential(("flat", nn.Flatten()),
        ("fc1", nn.Linear(4, 3, hasBias: false)), ("relu", nn.ReLU()), ("fc2", nn.Linear(3, 2, hasBias: false))));

    static readonly float[] W1 = [0.5f, -0.3f, 0.8f, 0.1f, -0.6f, 0.4f, 0.2f, -0.7f, 0.3f, 0.9f, -0.2f, 0.5f];   // 3×4
    static readonly float[] W2 = [0.7f, -0.5f, 0.3f, -0.4f, 0.6f, 0.8f];                                          // 2×3
    static readonly float[][] X = [[1, 0.5f, -1, 2], [0.3f, -0.8f, 1.5f, 0.2f], [-1, 1, 0.5f, 0.7f], [2, -0.3f, 0.1f, -1.2f], [0.4f, 0.9f, -0.6f, 1.1f], [-0.5f, -1.5f, 0.8f, 0.3f]];
    static readonly long[] Y = [0, 1, 1, 0, 1, 0];

    static ScoreContext Context(TensorDataset train, int batchSize, long seed = 7) => new()
    {
        CreateModel = () => TwoLayer.Create(Shape),
        Start = new Dictionary<string, float[]> { ["fc1.weight"] = W1, ["fc2.weight"] = W2 },
        Trained = () => throw new InvalidOperationException("not trained"),
        Tensors = [new PrunableTensor("fc1.weight", LayerKind.FullyConnected, [3, 4]), new PrunableTensor("fc2.weight", LayerKind.Output, [2, 3])],
        Train = () => train,
        BatchSize = batchSize,
        Classes = 2,
        Seed = seed,
    };

    static TensorDataset Data() => new(tensor(X.SelectMany(x => x).ToArray()).view(X.Length, 1, 2, 2), tensor(Y));

    static Mask Dense() => new([KeyValuePair.Create("fc1.weight", Enumerable.Repeat(true, 12).ToArray()), KeyValuePair.Create("fc2.weight", Enumerable.Repeat(true, 6).ToArray())]);

    /// <summary>The mean cross-entropy of the two-layer net (logits / temperature) and its gradient, by hand, in double.</summary>
    static (double Loss, double[] G1, double[] G2) LossAndGradient(double[] w1, double[] w2, double temperature = 1)
    {
        var g1 = new double[12];
        var g2 = new double[6];
        double loss = 0;
        int n = X.Length;
        for (int e = 0; e < n; e++)
        {
            var h = new double[3];
            for (int j = 0; j < 3; j++)
            {
                double a = 0;
                for (int i = 0; i < 4; i++) a += w1[j * 4 + i] * X[e][i];
                h[j] = Math.Max(0, a);
            }
            var z = new double[2];
            for (int k = 0; k < 2; k++) { for (int j = 0; j < 3; j++) z[k] += w2[k * 3 + j] * h[j]; z[k] /= temperature; }
            double m = Math.Max(z[0], z[1]);
            double s = Math.Exp(z[0] - m) + Math.Exp(z[1] - m);
            var p = new[] { Math.Exp(z[0] - m) / s, Math.Exp(z[1] - m) / s };
            loss += -Math.Log(p[Y[e]]) / n;
            var dz = new[] { (p[0] - (Y[e] == 0 ? 1 : 0)) / n / temperature, (p[1] - (Y[e] == 1 ? 1 : 0)) / n / temperature };
            for (int k = 0; k < 2; k++) for (int j = 0; j < 3; j++) g2[k * 3 + j] += dz[k] * h[j];
            for (int j = 0; j < 3; j++)
            {
                if (h[j] <= 0) continue;
                double dh = dz[0] * w2[j] + dz[1] * w2[3 + j];
                for (int i = 0; i < 4; i++) g1[j * 4 + i] += dh * X[e][i];
            }
        }
        return (loss, g1, g2);
    }

    static double[] D(float[] v) => v.Select(x => (double)x).ToArray();

    static void Close(double expected, float actual, double relative = 1e-4, double absolute = 1e-7) =>
        Assert.True(Math.Abs(expected - actual) <= absolute + relative * Math.Abs(expected), $"expected {expected}, got {actual}");

    [Fact]
    public void SnipIsTheMagnitudeOfGradientTimesWeightComputedByHand()
    {
        using var data = Data();
        // One batch holding every example: the loss is their mean, as the hand computation's.
        var scores = new SnipScore().Score(Context(data, batchSize: X.Length), new SnipHparams(Batches: 1), Dense());
        var (_, g1, g2) = LossAndGradient(D(W1), D(W2));
        for (int i = 0; i < 12; i++) Close(Math.Abs(g1[i] * W1[i]), scores["fc1.weight"][i]);
        for (int i = 0; i < 6; i++) Close(Math.Abs(g2[i] * W2[i]), scores["fc2.weight"][i]);
        Assert.Contains(scores["fc1.weight"], s => s > 1e-3);
    }

    [Fact]
    public void GraspIsWeightTimesHessianGradientProductComputedByFiniteDifferences()
    {
        using var data = Data();
        const double temperature = 2;
        // Every example of both classes (10 per class asks for more than there are).
        var scores = new GraspScore().Score(Context(data, batchSize: 6), new GraspHparams(SamplesPerClass: 10, Temperature: temperature), Dense());
        var w1 = D(W1);
        var w2 = D(W2);
        var (_, g1, g2) = LossAndGradient(w1, w2, temperature);
        // Hg = (∇L(θ + εg) − ∇L(θ − εg)) / 2ε: the directional derivative of the gradient along g.
        const double eps = 1e-5;
        var plus = LossAndGradient(w1.Zip(g1, (w, g) => w + eps * g).ToArray(), w2.Zip(g2, (w, g) => w + eps * g).ToArray(), temperature);
        var minus = LossAndGradient(w1.Zip(g1, (w, g) => w - eps * g).ToArray(), w2.Zip(g2, (w, g) => w - eps * g).ToArray(), temperature);
        for (int i = 0; i < 12; i++) Close(w1[i] * (plus.G1[i] - minus.G1[i]) / (2 * eps), scores["fc1.weight"][i], 1e-3, 1e-8);
        for (int i = 0; i < 6; i++) Close(w2[i] * (plus.G2[i] - minus.G2[i]) / (2 * eps), scores["fc2.weight"][i], 1e-3, 1e-8);
        Assert.Contains(scores["fc2.weight"], s => Math.Abs(s) > 1e-5);
        Assert.Contains(scores["fc1.weight"], s => s < 0);   // signed: GraSP keeps the largest θ ⊙ Hg
    }

    [Fact]
    public void SynflowScoresOfEachLayerSumToTheFlowForANetworkWithoutBiases()
    {
        using var data = Data();
        foreach (var mask in new[] { Dense(), SomePruned() })
        {
            var scores = SynFlowScore.Synaptic(Context(data, 6), mask, out var flow);
            // R = 1ᵀ|W2||W1|1, by hand (abs'd, masked weights; ReLU of positive values is the identity).
            double r = 0;
            for (int k = 0; k < 2; k++)
                for (int j = 0; j < 3; j++)
                {
                    double a = 0;
                    for (int i = 0; i < 4; i++) a += (mask["fc1.weight"][j * 4 + i] ? Math.Abs(W1[j * 4 + i]) : 0);
                    r += (mask["fc2.weight"][k * 3 + j] ? Math.Abs(W2[k * 3 + j]) : 0) * a;
                }
            Assert.Equal(r, flow, 6);
            foreach (var (name, values) in scores) Assert.Equal(flow, values.Sum(), 9);
            // Pruned weights have no flow.
            foreach (var (name, values) in scores)
                for (int i = 0; i < values.Length; i++) if (!mask[name][i]) Assert.Equal(0, values[i]);
        }
        // The same law on a real network with biases at zero (LeNet-300-100 at initialization), many layers deep.
        using var lenet = ModelRegistry.Create(new ModelHparams("lenet_300_100"), new InputShape(1, 28, 28, 10));
        Initializers.Apply(lenet, "glorot_normal", 3);
        var start = ModelState.Of(lenet);
        var lenetContext = new ScoreContext
        {
            CreateModel = () => ModelRegistry.Create(new ModelHparams("lenet_300_100"), new InputShape(1, 28, 28, 10)),
            Start = start, Trained = () => start, Tensors = lenet.PrunableTensors, Train = () => data, BatchSize = 6, Classes = 10, Seed = 1,
        };
        var lenetScores = SynFlowScore.Synaptic(lenetContext, Mask.Dense(lenet.PrunableTensors), out var lenetFlow);
        Assert.True(lenetFlow > 0);
        foreach (var (_, values) in lenetScores) Assert.Equal(1, values.Sum() / lenetFlow, 9);
    }

    static Mask SomePruned()
    {
        var m = Dense();
        m["fc1.weight"][1] = m["fc1.weight"][6] = m["fc1.weight"][11] = false;
        m["fc2.weight"][2] = false;
        return m;
    }

    [Fact]
    public void MagnitudeAtInitializationIsAbsoluteStartWeightsAndRandomIsSeeded()
    {
        using var data = Data();
        var mi = new MagnitudeInitScore().Score(Context(data, 6), new MagnitudeInitHparams(), Dense());
        Assert.Equal(W1.Select(MathF.Abs), mi["fc1.weight"]);
        var a = new RandomScore().Score(Context(data, 6, seed: 5), new RandomHparams(), Dense());
        var b = new RandomScore().Score(Context(data, 6, seed: 5), new RandomHparams(), Dense());
        var c = new RandomScore().Score(Context(data, 6, seed: 6), new RandomHparams(), Dense());
        Assert.Equal(a["fc1.weight"], b["fc1.weight"]);
        Assert.NotEqual(a["fc1.weight"], c["fc1.weight"]);
        var trained = new Dictionary<string, float[]> { ["fc1.weight"] = W1.Select(w => w * -2).ToArray(), ["fc2.weight"] = W2 };
        var m = new MagnitudeScore().Score(Context(data, 6) with { Trained = () => trained }, new MagnitudeHparams(), Dense());
        Assert.Equal(W1.Select(w => MathF.Abs(w * 2)), m["fc1.weight"]);
    }

    /// <summary>Every score, both strategies, three targets: the counts are the strategy's, exactly, whatever the score;
    /// an inverted score keeps the same counts; pruning is seeded (the same twice).</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void EveryScoreGetsTheStrategysExactCountsUnderEveryStrategy(string name)
    {
        var score = ScoreRegistry.Get(name);
        using var root = new TempDir();
        foreach (var strategy in new[] { "layerwise", "global" })
        {
            // SynFlow's rounds at 10, not 100: the counts are the strategy's whatever the rounds.
            var defaults = score.Defaults is SynFlowHparams f ? f with { Rounds = 10 } : score.Defaults;
            var h = Synthetic.Hparams(iterations: "40it") with { Pruning = new PruningHparams(strategy, FcRate: 0.2, OutputRate: 0.1, GlobalRate: 0.2, Score: defaults) };
            using var run = RunHandle.Open(Synthetic.Environment(Path.Combine(root.Path, strategy)), new RunIdentity(RunKind.OneShot, h, 0, null));
            var trunk = new LotteryRunner(run);
            if (score.AfterTraining) trunk.Train([1]);
            var tensors = run.PrunableTensors;
            long total = tensors.Sum(t => t.Count);
            foreach (var target in new[] { 50.0, 10.0, 1.5 })
            {
                var mask = trunk.TargetMask(1, target);
                var kept = run.Pruner.KeptAt(target);
                for (int g = 0; g < run.Pruner.Groups.Count; g++)
                    Assert.Equal(kept[g], run.Pruner.Groups[g].Tensors.Sum(mask.Remaining));
                if (strategy == "global") Assert.Equal((long)Math.Round(target / 100 * total, MidpointRounding.AwayFromZero), mask.TotalRemaining);
                else Assert.Equal(tensors.Select((t, i) => kept[i]), tensors.Select(t => mask.Remaining(t.Name)));
                var inverted = trunk.TargetMask(1, target, invert: true);
                Assert.Equal(tensors.Select(t => mask.Remaining(t.Name)).Sum(), inverted.TotalRemaining);
                Assert.False(inverted.SameAs(mask));
                Assert.True(trunk.TargetMask(1, target).SameAs(mask));
            }
        }
    }

    [Fact]
    public void ScoreHyperparametersRoundTripThroughTheManifestAndEnterTheHashOnlyWhenNotDefault()
    {
        var lenet = PresetRegistry.Get("lenet_mnist").Hparams;
        string Hash(ScoreHparams? s) => new RunIdentity(RunKind.OneShot, lenet with { Pruning = lenet.Pruning with { Score = s } }, 1, null).DirectoryName;
        // The default score is the paper's: naming it explicitly is the same run as before scores existed (pinned).
        Assert.Equal("oneshot_fd9d1a2570aec70f", Hash(null));
        Assert.Equal("oneshot_fd9d1a2570aec70f", Hash(new MagnitudeHparams()));
        var hashes = ScoreRegistry.All.Skip(1).Select(s => Hash(s.Defaults)).Append(Hash(new SnipHparams(Batches: 2))).Append(Hash(new SynFlowHparams(Schedule: "linear"))).ToList();
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
        Assert.DoesNotContain("oneshot_fd9d1a2570aec70f", hashes);
        foreach (var s in ScoreRegistry.All.Select(s => s.Defaults).Append(new GraspHparams(SamplesPerClass: 3, Temperature: 50)))
        {
            var h = lenet with { Pruning = lenet.Pruning with { Score = s } };
            var json = System.Text.Json.JsonSerializer.Serialize(h, RunManifest.Json);
            var back = System.Text.Json.JsonSerializer.Deserialize<ExperimentHparams>(json, RunManifest.Json)!;
            Assert.Equal(s, back.Pruning.Score);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(json, "\"name\":"));   // once, not twice
            Assert.Contains($"\"name\": \"{s.Name}\"", json);
        }
    }

    [Fact]
    public void BadScoreHyperparametersAreRefusedByName()
    {
        Assert.Contains("snip batches must be at least 1", Assert.Throws<HparamsException>(() => new SnipHparams(0).Validate()).Message);
        Assert.Contains("grasp temperature", Assert.Throws<HparamsException>(() => new GraspHparams(Temperature: 0).Validate()).Message);
        Assert.Contains("unknown synflow schedule 'cubic'", Assert.Throws<HparamsException>(() => new SynFlowHparams(Schedule: "cubic").Validate()).Message);
        Assert.Contains("unknown pruning score 'obd'", Assert.Throws<HparamsException>(() => ScoreRegistry.Get("obd")).Message);
        // Iterative pruning is magnitude pruning: another score is refused before anything is written.
        using var root = new TempDir();
        var h = Synthetic.Hparams() with { Pruning = Synthetic.Hparams().Pruning with { Score = new SnipHparams() } };
        var e = Assert.Throws<HparamsException>(() => RunHandle.Open(Synthetic.Environment(root.Path), new RunIdentity(RunKind.Lottery, h, 0, null)));
        Assert.Contains("score snip prunes once", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(root.Path));
    }
}
