using System.Text.Json;
using Lottery.Tests.Cli;

namespace Lottery.Tests.Reports;

/// <summary>Real runs made once for the report tests, by the real program on a subset of MNIST: an iterative run
/// (2 replicates, levels 0–2, a reinitialization of each pruned level) and a one-shot run, both with TensorBoard
/// event files (on by default), and one report of both.</summary>
public sealed class ReportFixture : IDisposable
{
    public static readonly string[] Quick = ["--dataset", "mnist", "--train-subset", "1200", "--eval-every", "20", "--threads", "1"];
    public static Dictionary<string, string> Env => new() { ["LOTTERY_DATA"] = TestData.DatasetsRoot };

    readonly TempDir _root = new();
    public string Runs => Path.Combine(_root.Path, "runs");
    public string Out => Path.Combine(_root.Path, "report");
    public string Lottery { get; }
    public string OneShot { get; }
    public CliRunner.Result Report { get; }

    public ReportFixture()
    {
        Directory.CreateDirectory(Runs);
        var find = CliRunner.Run(Runs, ["find", "--levels", "2", "--iterations", "80it", "--replicates", "2", "--json", .. Quick], Env);
        Assert.True(find.ExitCode == 0, find.Stderr);
        Lottery = JsonDocument.Parse(find.Stdout).RootElement.GetProperty("run").GetString()!;
        var reinit = CliRunner.Run(Runs, ["reinit", Lottery, "--threads", "1"], Env);
        Assert.True(reinit.ExitCode == 0, reinit.Stderr);
        var oneshot = CliRunner.Run(Runs, ["oneshot", "--targets", "51.3,21.1", "--iterations", "80it", "--json", .. Quick], Env);
        Assert.True(oneshot.ExitCode == 0, oneshot.Stderr);
        OneShot = JsonDocument.Parse(oneshot.Stdout).RootElement.GetProperty("run").GetString()!;
        Report = CliRunner.Run(Runs, ["report", Lottery, OneShot[..14], "--out", Out, "--threads", "1", "--json"], Env);
        Assert.True(Report.ExitCode == 0, Report.Stderr);
    }

    public void Dispose() => _root.Dispose();
}
