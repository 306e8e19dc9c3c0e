namespace Lottery.Tests.Cli;

/// <summary>Bad input of every kind: one line naming the problem and the fix, a non-zero exit, no stack trace,
/// and nothing written.</summary>
public class BadInputTests
{
    [Theory]
    [InlineData(1, "unknown preset 'lenet_cifar'", "train", "--preset", "lenet_cifar")]
    [InlineData(1, "unknown model 'resnet50'", "train", "--model", "resnet50")]
    [InlineData(1, "unknown dataset 'imagenet'", "train", "--dataset", "imagenet")]
    [InlineData(1, "malformed step '50k'", "train", "--iterations", "50k")]
    [InlineData(1, "malformed step 'soon'", "find", "--rewind", "soon")]
    [InlineData(1, "unknown optimizer 'rmsprop'", "train", "--optimizer", "rmsprop")]
    [InlineData(1, "learning rate must be a positive number", "train", "--lr", "-1")]
    [InlineData(1, "pruning rate for fc must be in [0, 1)", "find", "--fc-rate", "1.5")]
    [InlineData(1, "malformed --replicate '0'", "train", "--replicate", "0")]
    [InlineData(1, "malformed --targets", "oneshot", "--targets", "50,abc")]
    [InlineData(1, "malformed --layer-rate", "find", "--layer-rate", "fc1:0.3")]
    [InlineData(1, "layer rate names no prunable tensor 'fc7'", "find", "--layer-rate", "fc7=0.3", "--dataset", "mnist")]
    [InlineData(1, "--threads must be at least 1", "train", "--threads", "0")]
    [InlineData(1, "CUDA is not available", "train", "--device", "cuda")]
    [InlineData(1, "unknown device 'tpu'", "train", "--device", "tpu")]
    [InlineData(1, "no run 'nosuchrun'", "show", "nosuchrun")]
    [InlineData(1, "no run 'nosuchrun'", "reinit", "nosuchrun")]
    [InlineData(2, "see `lottery train --help`", "train", "--lr", "fast")]
    [InlineData(2, "see `lottery train --help`", "train", "--no-such-flag")]
    [InlineData(2, "see `lottery --help`", "frobnicate")]
    public void OneClearLineAndNonZeroExit(int exitCode, string message, params string[] args)
    {
        using var runs = new TempDir();
        var env = new Dictionary<string, string> { ["LOTTERY_DATA"] = TestData.DatasetsRoot };
        var result = CliRunner.Run(runs.Path, args, env);
        Assert.Equal(exitCode, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(message, line);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(runs.Path));   // nothing written
    }

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
