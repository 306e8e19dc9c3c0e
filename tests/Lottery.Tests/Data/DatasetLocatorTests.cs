using Lottery.Data;

namespace Lottery.Tests.Data;

public class DatasetLocatorTests
{
    static readonly DatasetSpec Spec = DatasetRegistry.Mnist;

    [Fact]
    public void Explicit_root_wins_over_environment_root()
    {
        using var t = new TempDir();
        var explicitDir = DataTestSupport.Placeholders(t.Sub("explicit"), Spec);
        DataTestSupport.Placeholders(t.Sub("env"), Spec);
        var options = DataTestSupport.Hermetic(t.Sub("cache")) with { EnvironmentDataRoot = t.Sub("env") };

        Assert.Equal(explicitDir, new DatasetLocator(options).Locate(Spec, t.Sub("explicit")));
    }

    [Fact]
    public void Environment_root_wins_over_cache_and_cache_over_system()
    {
        using var t = new TempDir();
        var envDir = DataTestSupport.Placeholders(t.Sub("env"), Spec);
        var cacheDir = DataTestSupport.Placeholders(t.Sub("cache"), Spec);
        DataTestSupport.Placeholders(t.Sub("system"), Spec);
        var options = DataTestSupport.Hermetic(t.Sub("cache"), t.Sub("system")) with { EnvironmentDataRoot = t.Sub("env") };

        Assert.Equal(envDir, new DatasetLocator(options).Locate(Spec));
        Assert.Equal(cacheDir, new DatasetLocator(options with { EnvironmentDataRoot = null }).Locate(Spec));
    }

    [Fact]
    public void Incomplete_directory_is_skipped_for_a_later_complete_one()
    {
        using var t = new TempDir();
        var partial = DataTestSupport.Placeholders(t.Sub("explicit"), Spec);
        File.Delete(Path.Combine(partial, "t10k-labels-idx1-ubyte.gz"));
        var systemDir = DataTestSupport.Placeholders(t.Sub("system"), Spec);

        Assert.Equal(systemDir, new DatasetLocator(DataTestSupport.Hermetic(t.Sub("cache"), t.Sub("system"))).Locate(Spec, t.Sub("explicit")));
    }

    [Fact]
    public void Missing_everywhere_offline_names_every_place_and_the_fix_in_one_line()
    {
        using var t = new TempDir();
        var partial = DataTestSupport.Placeholders(t.Sub("env"), DatasetRegistry.FashionMnist);
        File.Delete(Path.Combine(partial, "train-images-idx3-ubyte.gz"));
        var options = DataTestSupport.Hermetic(t.Sub("cache"), t.Sub("system")) with { EnvironmentDataRoot = t.Sub("env") };

        var e = Assert.Throws<DataException>(() => new DatasetLocator(options).Locate(DatasetRegistry.FashionMnist, t.Sub("explicit")));

        Assert.DoesNotContain('\n', e.Message);
        foreach (var root in new[] { "explicit", "env", "cache", "system" })
            Assert.Contains(Path.Combine(t.Path, root, "fashion-mnist"), e.Message);
        Assert.Contains("missing train-images-idx3-ubyte.gz", e.Message);  // the partial folder says what it lacks
        Assert.Contains("--data-root", e.Message);
        Assert.Contains("LOTTERY_DATA", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("LOTTERY_OFFLINE", e.Message);
        Assert.False(Directory.Exists(Path.Combine(t.Path, "cache", "fashion-mnist")));  // offline: nothing created
    }

    [Fact]
    public void Candidates_follow_the_documented_order_without_duplicates()
    {
        using var t = new TempDir();
        var options = DataTestSupport.Hermetic(t.Sub("cache"), t.Sub("system")) with { EnvironmentDataRoot = t.Sub("same") };
        var c = new DatasetLocator(options).Candidates(Spec, t.Sub("same") + "/");

        Assert.Equal(["--data-root", "user cache", "system"], c.Select(x => x.Origin));
        Assert.Equal(Path.Combine(t.Path, "same", "mnist"), c[0].Directory);
    }
}
