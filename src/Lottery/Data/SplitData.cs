using Lottery.Hparams;
using Lottery.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Data;

/// <summary>
/// The paper's three-way split as tensors in memory: training examples minus a seeded validation hold-out
/// (MNIST 55K/5K, CIFAR-10 45K/5K), the validation set, and the test set, standardised per channel with the
/// training split's mean and std (recorded with the run).
/// </summary>
public sealed class SplitData : IDisposable
{
    public required TensorDataset Train { get; init; }
    public required TensorDataset Validation { get; init; }
    public required TensorDataset Test { get; init; }
    public required InputShape Shape { get; init; }
    public required double[] Mean { get; init; }
    public required double[] Std { get; init; }
    public required IReadOnlyDictionary<string, string> Checksums { get; init; }
    /// <summary>The data root the files were read from (the parent of the dataset's directory), when read from disk.</summary>
    public string? Root { get; init; }

    public static SplitData Create(RawDataset raw, DatasetHparams hparams, Device? device = null)
    {
        var spec = raw.Spec;
        var (train, validation) = Indices(hparams, spec.Name, raw.TrainLabels.Length);
        var shape = new InputShape(spec.Channels, spec.Height, spec.Width, spec.Classes);
        var (mean, std) = hparams.Normalize ? ChannelStatistics(raw.TrainImages, train, shape) : (Zeros(shape.Channels), Ones(shape.Channels));
        device ??= CPU;
        return new SplitData
        {
            Train = Build(raw.TrainImages, raw.TrainLabels, train, shape, mean, std, device),
            Validation = Build(raw.TrainImages, raw.TrainLabels, validation, shape, mean, std, device),
            Test = Build(raw.TestImages, raw.TestLabels, Enumerable.Range(0, raw.TestLabels.Length).ToArray(), shape, mean, std, device),
            Shape = shape,
            Mean = mean,
            Std = std,
            Checksums = raw.FileChecksums,
            Root = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(raw.Root)),
        };
    }

    /// <summary>The seeded split of a dataset's <paramref name="trainCount"/> training examples: the validation hold-out
    /// is the last ValidationSize of a permutation seeded by SplitSeed, training the rest (its first TrainSubset).</summary>
    public static (int[] Train, int[] Validation) Indices(DatasetHparams hparams, string dataset, int trainCount)
    {
        hparams.TrainingExamples(dataset, trainCount);
        var order = Enumerable.Range(0, trainCount).ToArray();
        new Random(hparams.SplitSeed).Shuffle(order);
        var validation = order[^hparams.ValidationSize..];
        var train = order[..^hparams.ValidationSize];
        if (hparams.TrainSubset is int subset) train = train[..subset];
        return (train, validation);
    }

    static double[] Zeros(int n) => new double[n];
    static double[] Ones(int n) => Enumerable.Repeat(1.0, n).ToArray();

    /// <summary>Mean and (population) std of each channel in [0, 1] units over the chosen examples.</summary>
    static (double[] Mean, double[] Std) ChannelStatistics(byte[] images, int[] indices, InputShape shape)
    {
        int plane = shape.Height * shape.Width;
        var sum = new double[shape.Channels];
        var sumSq = new double[shape.Channels];
        foreach (var index in indices)
        {
            var example = images.AsSpan(index * shape.Features, shape.Features);
            for (int c = 0; c < shape.Channels; c++)
            {
                long s = 0, sq = 0;
                foreach (var b in example.Slice(c * plane, plane)) { s += b; sq += b * b; }
                sum[c] += s;
                sumSq[c] += sq;
            }
        }
        double n = (double)indices.Length * plane;
        var mean = new double[shape.Channels];
        var std = new double[shape.Channels];
        for (int c = 0; c < shape.Channels; c++)
        {
            mean[c] = sum[c] / n / 255.0;
            std[c] = Math.Sqrt(Math.Max(sumSq[c] / n / (255.0 * 255.0) - mean[c] * mean[c], 1e-12));
        }
        return (mean, std);
    }

    static TensorDataset Build(byte[] images, byte[] labels, int[] indices, InputShape shape, double[] mean, double[] std, Device device)
    {
        int features = shape.Features, plane = shape.Height * shape.Width;
        var pixels = new float[(long)indices.Length * features];
        var targets = new long[indices.Length];
        var scale = Enumerable.Range(0, shape.Channels).Select(c => (float)(1 / (255.0 * std[c]))).ToArray();
        var shift = Enumerable.Range(0, shape.Channels).Select(c => (float)(mean[c] / std[c])).ToArray();
        Parallel.For(0, indices.Length, k =>
        {
            var source = images.AsSpan(indices[k] * features, features);
            var target = pixels.AsSpan(k * features, features);
            for (int i = 0; i < features; i++)
            {
                int c = i / plane;
                target[i] = source[i] * scale[c] - shift[c];
            }
            targets[k] = labels[indices[k]];
        });
        var x = torch.tensor(pixels, [indices.Length, shape.Channels, shape.Height, shape.Width]).to(device);
        var y = torch.tensor(targets).to(device);
        return new TensorDataset(x, y);
    }

    public void Dispose() { Train.Dispose(); Validation.Dispose(); Test.Dispose(); }
}
