using Lottery.Data;
using Lottery.Hparams;
using Lottery.Lottery;

namespace Lottery.Tests;

/// <summary>Small synthetic datasets and run environments so training tests take a second, not minutes.
/// Labels follow a fixed function of the pixels, so a network can learn them and accuracy means something.</summary>
public static class Synthetic
{
    public static readonly DatasetSpec Spec = DatasetRegistry.Mnist with { Name = "synthetic", TrainCount = 1200, TestCount = 300 };

    public static RawDataset Raw(int train = 1200, int test = 300, int seed = 7)
    {
        var random = new Random(seed);
        int size = Spec.ImageSize;
        // Four classes, each brightening its own band of rows over noise: learnable in a few hundred steps.
        (byte[] Images, byte[] Labels) make(int n)
        {
            var x = new byte[n * size];
            var y = new byte[n];
            for (int i = 0; i < n; i++)
            {
                y[i] = (byte)random.Next(4);
                for (int p = 0; p < size; p++)
                {
                    int row = p / 28;
                    x[i * size + p] = (byte)(random.Next(128) + (row / 7 == y[i] ? random.Next(64, 128) : 0));
                }
            }
            return (x, y);
        }
        var (trainImages, trainLabels) = make(train);
        var (testImages, testLabels) = make(test);
        return new RawDataset
        {
            Spec = Spec,
            Root = "(synthetic)",
            TrainImages = trainImages,
            TrainLabels = trainLabels,
            TestImages = testImages,
            TestLabels = testLabels,
            FileChecksums = new Dictionary<string, string> { ["synthetic"] = "0" },
        };
    }

    /// <summary>LeNet-100-30 (small, fast) on the synthetic data, 200 iterations, measurements every 20.</summary>
    public static ExperimentHparams Hparams(string optimizer = "adam", string iterations = "200it", double dropout = 0) => new(
        new DatasetHparams("synthetic", BatchSize: 32, ValidationSize: 200),
        new ModelHparams("lenet_100_30", Dropout: dropout),
        new TrainingHparams(optimizer, optimizer == "adam" ? 1e-3 : 0.05, iterations, Momentum: optimizer == "sgd" ? 0.9 : 0, EvalEvery: 20),
        new PruningHparams("layerwise", ConvRate: 0.1, FcRate: 0.2, OutputRate: 0.1));

    public static RunEnvironment Environment(string runsRoot, ILotteryObserver? observer = null, int checkpointEvery = 60) =>
        new(runsRoot, h => SplitData.Create(Raw(), h), observer ?? NullLotteryObserver.Instance, checkpointEvery,
            new Dictionary<string, string> { ["test"] = "1" });
}

/// <summary>A temporary directory deleted after the test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lottery-test-" + Guid.NewGuid().ToString("N")[..12]);
    public TempDir() => Directory.CreateDirectory(Path);
    public override string ToString() => Path;
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}
