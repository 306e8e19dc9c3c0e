using Lottery.Data;

namespace Lottery.Tests.Data;

/// <summary>Loads the real datasets and checks facts about them that are published independently of this code.</summary>
public class RealDatasetTests
{
    [Fact]
    public void Mnist_loads_from_the_shared_root_with_published_counts_and_checksums()
    {
        using var cache = new TempDir();
        var data = DatasetLoader.Load("mnist", TestData.DatasetsRoot, DataTestSupport.Hermetic(cache.Path));

        Assert.Equal(Path.GetFullPath(TestData.Dataset("mnist")), data.Root);
        Assert.Equal(60000, data.TrainCount);
        Assert.Equal(10000, data.TestCount);
        Assert.Equal(60000 * 784, data.TrainImages.Length);
        Assert.Equal(10000 * 784, data.TestImages.Length);
        Assert.Equal(5, data.TrainLabels[0]);
        Assert.Equal([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949], DataTestSupport.Histogram(data.TrainLabels, 10));
        Assert.Equal(
            DatasetRegistry.Mnist.Files.ToDictionary(f => f.Name, f => f.ContentSha256),
            data.FileChecksums.ToDictionary());
        // Pixels are the bytes after the 16-byte IDX header, untouched.
        var raw = DataTestSupport.Gunzip(Path.Combine(data.Root, "t10k-images-idx3-ubyte.gz"));
        Assert.True(raw.AsSpan(16).SequenceEqual(data.TestImages));
    }

    [Fact]
    public void Cifar10_loads_with_5000_train_and_1000_test_images_per_class_in_chw_order()
    {
        using var cache = new TempDir();
        var data = DatasetLoader.Load("cifar10", TestData.DatasetsRoot, DataTestSupport.Hermetic(cache.Path));

        Assert.Equal(50000, data.TrainCount);
        Assert.Equal(10000, data.TestCount);
        Assert.Equal(50000L * 3072, data.TrainImages.LongLength);
        Assert.Equal(10000L * 3072, data.TestImages.LongLength);
        Assert.All(DataTestSupport.Histogram(data.TrainLabels, 10), c => Assert.Equal(5000, c));
        Assert.All(DataTestSupport.Histogram(data.TestLabels, 10), c => Assert.Equal(1000, c));
        Assert.Equal(6, data.TrainLabels[0]);  // the first CIFAR-10 training image is a frog

        // Image i of the test split is record i of test_batch.bin without its label byte (R, G, B planes = CHW).
        var bin = File.ReadAllBytes(Path.Combine(data.Root, "test_batch.bin"));
        for (int i = 0; i < 10000; i += 4999)
        {
            Assert.Equal(bin[i * 3073], data.TestLabels[i]);
            Assert.True(bin.AsSpan(i * 3073 + 1, 3072).SequenceEqual(data.TestImages.AsSpan(i * 3072, 3072)));
        }
        Assert.Equal(
            DatasetRegistry.Cifar10.Files.ToDictionary(f => f.Name, f => f.ContentSha256),
            data.FileChecksums.ToDictionary());
    }

    [Fact]
    public void FashionMnist_is_found_in_the_system_location_when_no_root_is_given()
    {
        const string system = "/usr/share/datasets";
        if (!File.Exists(Path.Combine(system, "fashion-mnist", "train-images-idx3-ubyte.gz")))
            Assert.Fail($"{system}/fashion-mnist is missing: apt-get install dataset-fashion-mnist.");

        using var cache = new TempDir();
        var data = DatasetLoader.Load("fashion-mnist", dataRoot: null, DataTestSupport.Hermetic(cache.Path, system));

        Assert.Equal("/usr/share/datasets/fashion-mnist", data.Root);
        Assert.Equal(60000, data.TrainCount);
        Assert.Equal(10000, data.TestCount);
        Assert.All(DataTestSupport.Histogram(data.TrainLabels, 10), c => Assert.Equal(6000, c));
        Assert.All(DataTestSupport.Histogram(data.TestLabels, 10), c => Assert.Equal(1000, c));
        // Debian re-gzipped the files: the distributed size differs, the verified content does not.
        Assert.NotEqual(DatasetRegistry.FashionMnist.GetFile("train-images-idx3-ubyte.gz").DistributedSize,
            new FileInfo(Path.Combine(system, "fashion-mnist", "train-images-idx3-ubyte.gz")).Length);
        Assert.Equal("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", data.FileChecksums["train-images-idx3-ubyte.gz"]);
    }
}
