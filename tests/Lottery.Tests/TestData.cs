namespace Lottery.Tests;

/// <summary>
/// Where the real datasets live for tests. They are not in the repository (hundreds of MB); the project
/// keeps them next to it in ../shared/datasets. A missing folder fails the test loudly: a data test that
/// silently skips would report green without checking anything.
/// </summary>
public static class TestData
{
    /// <summary>The folder holding lottery.slnx, found by walking up from the test binaries.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "lottery.slnx"))) return dir.FullName;
            Assert.Fail($"No lottery.slnx above {AppContext.BaseDirectory}; cannot find the repository root.");
            return null!;
        }
    }

    /// <summary><c>LOTTERY_DATA</c> when set, else <c>&lt;repository&gt;/../shared/datasets</c>; fails the test if absent.</summary>
    public static string DatasetsRoot
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("LOTTERY_DATA") is { Length: > 0 } env
                ? env
                : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "datasets"));
            if (!Directory.Exists(root))
                Assert.Fail($"Test datasets not found at {root}: put mnist/ and cifar-10-batches-bin/ there or set LOTTERY_DATA.");
            return root;
        }
    }

    /// <summary>The dataset folder <paramref name="subfolder"/> under <see cref="DatasetsRoot"/>; fails the test if absent.</summary>
    public static string Dataset(string subfolder)
    {
        var dir = Path.Combine(DatasetsRoot, subfolder);
        if (!Directory.Exists(dir)) Assert.Fail($"Test dataset folder {dir} is missing.");
        return dir;
    }
}
