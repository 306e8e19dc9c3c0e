using Lottery.Data;

namespace Lottery.Tests.Data;

public class DatasetRegistryTests
{
    [Theory]
    [InlineData("mnist", "mnist", 1, 28, 60000)]
    [InlineData("fashion-mnist", "fashion-mnist", 1, 28, 60000)]
    [InlineData("CIFAR10", "cifar-10-batches-bin", 3, 32, 50000)]
    public void Known_names_resolve_case_insensitively(string name, string directory, int channels, int side, int train)
    {
        var spec = DatasetRegistry.Get(name);
        Assert.Equal(directory, spec.Directory);
        Assert.Equal(channels, spec.Channels);
        Assert.Equal(side, spec.Height);
        Assert.Equal(side, spec.Width);
        Assert.Equal(train, spec.TrainCount);
        Assert.Equal(10000, spec.TestCount);
        Assert.Equal(10, spec.ClassNames.Count);
        Assert.All(spec.Files, f => Assert.Matches("^[0-9a-f]{64}$", f.ContentSha256));
        Assert.NotEmpty(spec.DownloadUrls);
    }

    [Fact]
    public void Unknown_name_lists_the_known_names_in_one_line()
    {
        var e = Assert.Throws<DataException>(() => DatasetRegistry.Get("imagenet"));
        Assert.Contains("imagenet", e.Message);
        Assert.Contains("mnist, fashion-mnist, cifar10", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Mirror_serves_every_dataset_file_by_file_under_its_directory()
    {
        var cifar = DatasetRegistry.Cifar10;
        var urls = DatasetDownloader.FileSources(cifar, cifar.RequiredFiles, "http://127.0.0.1:9/data/").Select(s => s.Url.ToString()).ToArray();
        Assert.Equal(6, urls.Length);
        Assert.Contains("http://127.0.0.1:9/data/cifar-10-batches-bin/data_batch_1.bin", urls);
        // Without a mirror CIFAR has only the upstream tarball.
        Assert.Empty(DatasetDownloader.FileSources(cifar, cifar.RequiredFiles, mirror: null));
        Assert.Equal(["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"], cifar.DownloadUrls);
        Assert.Equal("https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz",
            DatasetDownloader.FileSources(DatasetRegistry.Mnist, DatasetRegistry.Mnist.RequiredFiles, null)[0].Url.ToString());
    }

    [Fact]
    public void Options_come_from_injected_environment_variables()
    {
        var env = new Dictionary<string, string>
        {
            ["LOTTERY_DATA"] = "/data", ["XDG_CACHE_HOME"] = "/xdg", ["LOTTERY_OFFLINE"] = "1", ["LOTTERY_DATA_MIRROR"] = "http://m",
        };
        var o = DataOptions.FromEnvironment(k => env.GetValueOrDefault(k));
        Assert.Equal("/data", o.EnvironmentDataRoot);
        Assert.Equal("/xdg/lottery/datasets", o.CacheRoot);
        Assert.False(o.AllowDownload);
        Assert.Equal("http://m", o.Mirror);

        var d = DataOptions.FromEnvironment(k => k == "HOME" ? "/home/u" : null);
        Assert.Null(d.EnvironmentDataRoot);
        Assert.Equal("/home/u/.cache/lottery/datasets", d.CacheRoot);
        Assert.True(d.AllowDownload);
        Assert.Equal(["/usr/share/datasets"], d.SystemRoots);
    }
}
