using System.Security.Cryptography;
using Lottery.Hparams;
using Lottery.Models;
using Lottery.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Data;

/// <summary>
/// A dataset the library's user holds as tensors in memory: training and test examples with integer labels. Runs on it
/// get the paper's protocol like the registry's datasets: a seeded validation hold-out from the training examples,
/// optional per-channel standardisation with the training split's statistics, batches by index. Its content hash
/// (all four tensors' bytes and shapes) enters the run's identity, so other data under the same name is another run.
/// </summary>
public sealed class UserDataset : IDisposable
{
    readonly Tensor _trainImages, _trainLabels, _testImages, _testLabels;

    public string Name { get; }
    public InputShape Shape { get; }
    public int TrainCount => (int)_trainLabels.shape[0];
    public int TestCount => (int)_testLabels.shape[0];
    /// <summary>First 16 hex digits of SHA-256 over the tensors' shapes and bytes.</summary>
    public string Content { get; }

    UserDataset(string name, Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels, int classes)
    {
        Name = name;
        (_trainImages, _trainLabels, _testImages, _testLabels) = (trainImages, trainLabels, testImages, testLabels);
        Shape = new InputShape((int)trainImages.shape[1], (int)trainImages.shape[2], (int)trainImages.shape[3], classes);
        Content = Hash(trainImages, trainLabels, testImages, testLabels);
    }

    /// <summary>
    /// Takes examples as float32 (N, C, H, W), (N, H, W) (one channel) or (N, F) (F features: (N, F, 1, 1)), and labels
    /// as integers (N) in [0, classes). The tensors are copied (the caller keeps and may dispose its own). Classes: the
    /// largest label + 1 unless given. Throws <see cref="ArgumentException"/> naming what is wrong.
    /// </summary>
    public static UserDataset FromTensors(string name, Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels, int? classes = null)
    {
        ArgumentNullException.ThrowIfNull(trainImages);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testImages);
        ArgumentNullException.ThrowIfNull(testLabels);
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') || !char.IsAsciiLetterOrDigit(name[0]))
            throw new ArgumentException($"dataset name '{name}' is not usable in run records: use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit", nameof(name));
        if (DatasetRegistry.Find(name) is not null)
            throw new ArgumentException($"dataset name '{name}' is a registry dataset's (read from its files by name): give your tensors another name", nameof(name));
        var trainX = Examples(trainImages, "training examples");
        var testX = Examples(testImages, "test examples");
        try
        {
            if (!trainX.shape.Skip(1).SequenceEqual(testX.shape.Skip(1)))
                throw new ArgumentException($"training examples are [{string.Join(", ", trainX.shape.Skip(1))}] each, test examples [{string.Join(", ", testX.shape.Skip(1))}]: give both the same shape");
            var trainY = Labels(trainLabels, trainX.shape[0], "training");
            var testY = Labels(testLabels, testX.shape[0], "test");
            long largest = Math.Max(trainY.max().item<long>(), testY.max().item<long>());
            int k = classes ?? (int)largest + 1;
            if (k < 2) throw new ArgumentException($"classes must be at least 2 (got {k})", nameof(classes));
            if (largest >= k) throw new ArgumentException($"a label is {largest}, not below the {k} classes given: give classes ≥ {largest + 1}", nameof(classes));
            return new UserDataset(name, trainX, trainY, testX, testY, k);
        }
        catch
        {
            trainX.Dispose();
            testX.Dispose();
            throw;
        }
    }

    static Tensor Examples(Tensor x, string what)
    {
        if (x.dtype != ScalarType.Float32) throw new ArgumentException($"{what} are {x.dtype}: give float32 tensors (e.g. x.to_type(ScalarType.Float32))");
        if (x.dim() is < 2 or > 4) throw new ArgumentException($"{what} have {x.dim()} dimensions: give (N, C, H, W), (N, H, W) or (N, F)");
        if (x.shape[0] < 1) throw new ArgumentException($"{what}: there are none");
        if (x.shape.Skip(1).Any(d => d < 1)) throw new ArgumentException($"{what} have an empty dimension: [{string.Join(", ", x.shape)}]");
        using var finite = x.isfinite().all();
        if (!finite.item<bool>()) throw new ArgumentException($"{what} contain NaN or infinite values: clean the data first");
        using var cpu = x.detach().cpu();
        var shaped = x.dim() switch
        {
            2 => cpu.reshape(x.shape[0], x.shape[1], 1, 1),
            3 => cpu.reshape(x.shape[0], 1, x.shape[1], x.shape[2]),
            _ => cpu.alias(),
        };
        using (shaped) return shaped.contiguous().clone();
    }

    static Tensor Labels(Tensor y, long count, string what)
    {
        if (y.dim() != 1) throw new ArgumentException($"{what} labels have {y.dim()} dimensions: give one label per example, shape (N)");
        if (y.shape[0] != count) throw new ArgumentException($"{what} labels are {y.shape[0]}, {what} examples {count}: give one label per example");
        if (y.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Byte or ScalarType.Int8))
            throw new ArgumentException($"{what} labels are {y.dtype}: give integer class indices (int64)");
        var labels = y.detach().cpu().to_type(ScalarType.Int64).contiguous().clone();
        if (labels.min().item<long>() < 0)
        {
            labels.Dispose();
            throw new ArgumentException($"a {what} label is negative: labels are class indices 0, 1, …");
        }
        return labels;
    }

    static string Hash(params Tensor[] tensors)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var t in tensors)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{t.dtype}[{string.Join(",", t.shape)}];"));
            sha.AppendData(t.bytes);
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
    }

    /// <summary>The hyperparameters of this data: its name and content hash, with the batching and split given.</summary>
    public DatasetHparams Hparams(int batchSize, int validationSize = 5000, int splitSeed = 0, int? trainSubset = null, bool normalize = true) =>
        new(Name, batchSize, validationSize, splitSeed, trainSubset, normalize, Augment: false, Content: Content);

    /// <summary>The split for <paramref name="hparams"/>: validation hold-out, optional subset, standardised with the
    /// training split's per-channel mean and std (population), as the registry's datasets are.</summary>
    public SplitData Split(DatasetHparams hparams, Device? device = null)
    {
        if (hparams.Dataset != Name || hparams.Content != Content)
            throw new ArgumentException($"these hyperparameters describe dataset '{hparams.Dataset}' ({hparams.Content ?? "no content hash"}), not '{Name}' ({Content}): build them with {nameof(Hparams)}");
        var (train, validation) = SplitData.Indices(hparams, Name, TrainCount);
        int c = Shape.Channels;
        var mean = new double[c];
        var std = Enumerable.Repeat(1.0, c).ToArray();
        using (var scope = NewDisposeScope())
        {
            if (hparams.Normalize)
            {
                var x = _trainImages.index_select(0, tensor(train.Select(i => (long)i).ToArray())).to_type(ScalarType.Float64);
                var perChannel = x.transpose(0, 1).reshape(c, -1);
                var m = perChannel.mean([1L]);
                var d = perChannel - m.unsqueeze(1);
                var v = (d * d).mean([1L]);   // not square() or pow(2): they make an implicit Scalar (Training/Scalars.cs)
                for (int k = 0; k < c; k++)
                {
                    mean[k] = m[k].item<double>();
                    std[k] = Math.Sqrt(Math.Max(v[k].item<double>(), 1e-12));
                }
            }
        }
        device ??= CPU;
        TensorDataset Build(Tensor images, Tensor labels, int[]? indices)
        {
            using var scope = NewDisposeScope();
            var index = indices is null ? Scalars.Range(labels.shape[0]) : tensor(indices.Select(i => (long)i).ToArray());
            var m = tensor(mean).to_type(ScalarType.Float32).view(1, c, 1, 1);
            var s = tensor(std).to_type(ScalarType.Float32).view(1, c, 1, 1);
            var x = ((images.index_select(0, index) - m) / s).contiguous().to(device);
            var y = labels.index_select(0, index).to(device);
            return new TensorDataset(x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
        }
        return new SplitData
        {
            Train = Build(_trainImages, _trainLabels, train),
            Validation = Build(_trainImages, _trainLabels, validation),
            Test = Build(_testImages, _testLabels, null),
            Shape = Shape,
            Mean = mean,
            Std = std,
            Checksums = new Dictionary<string, string> { ["tensors"] = Content },
            Root = null,
        };
    }

    public void Dispose()
    {
        _trainImages.Dispose();
        _trainLabels.Dispose();
        _testImages.Dispose();
        _testLabels.Dispose();
    }
}
