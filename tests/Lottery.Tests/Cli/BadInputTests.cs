namespace Lottery.Tests.Cli;

/// <summary>Missing data in detail (the corpus of every other kind of bad input is in <see cref="BadInputCorpusTests"/>).</summary>
public class BadInputTests
{
    [Fact]
    public void MissingDataOfflineNamesTheFilesAndEveryPlaceLooked()
    {
        using var runs = new TempDir();
        using var cache = new TempDir();
        var result = CliRunner.Run(runs.Path, ["train", "--dataset", "cifar10", "--model", "conv2", "--data-root", "/nonexistent/data"],
            new Dictionary<string, string> { ["XDG_CACHE_HOME"] = cache.Path, ["LOTTERY_DATA"] = "/also/missing" });
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StderrLines, l => l.StartsWith("error:"));
        Assert.Contains("data_batch_1.bin", line);
        Assert.Contains("/nonexistent/data", line);
        Assert.Contains("/also/missing", line);
        Assert.Contains(cache.Path, line);
        Assert.Contains("--data-root", line);
    }
}
