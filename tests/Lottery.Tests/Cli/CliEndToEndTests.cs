using System.Diagnostics;
using System.Text.Json;
using Lottery.Runs;

namespace Lottery.Tests.Cli;

/// <summary>The real program on real MNIST (a subset, short schedules): JSON output, the run directory, resuming
/// after kill -9, controls, `runs` and `show`.</summary>
public class CliEndToEndTests
{
    static readonly string[] Quick = ["--dataset", "mnist", "--train-subset", "1200", "--eval-every", "20", "--threads", "1"];

    static Dictionary<string, string> Env => new() { ["LOTTERY_DATA"] = TestData.DatasetsRoot };

    [Fact]
    public void TrainPrintsOneJsonObjectAndRecordsTheRun()
    {
        using var runs = new TempDir();
        var result = CliRunner.Run(runs.Path, ["train", "--iterations", "60it", "--json", .. Quick], Env);
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal("lenet_300_100", root.GetProperty("model").GetString());
        Assert.Equal(266_200, root.GetProperty("weights").GetProperty("prunable").GetInt64());
        Assert.InRange(root.GetProperty("final_test_accuracy").GetDouble(), 0.5, 1.0);
        Assert.True(root.GetProperty("ms_per_iteration").GetDouble() > 0);
        Assert.True(root.GetProperty("elapsed_seconds").GetDouble() > 0);
        var dir = root.GetProperty("run_dir").GetString()!;
        var manifest = RunManifest.Load(Path.Combine(dir, "manifest.json"));
        Assert.Equal("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", manifest.DatasetChecksums["train-images-idx3-ubyte.gz"]);
        Assert.Single(manifest.NormalizationMean);
        Assert.Contains("torchsharp", manifest.Versions.Keys);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(dir, "replicate_1", "level_0", "metrics.csv")).Length);   // header + 0, 20, 40, 60
    }

    [Fact]
    public void KilledProcessResumesToTheSameMetricsAsAnUninterruptedOne()
    {
        using var reference = new TempDir();
        using var killed = new TempDir();
        string[] args = ["train", "--iterations", "900it", "--checkpoint-every", "100", "--dropout", "0.2", .. Quick];
        Assert.Equal(0, CliRunner.Run(reference.Path, args, Env).ExitCode);

        using (var process = Process.Start(CliRunner.StartInfo(killed.Path, args, Env))!)
        {
            var clock = Stopwatch.StartNew();
            string? checkpoint = null;
            while (checkpoint is null && clock.Elapsed.TotalSeconds < 60 && !process.HasExited)
            {
                checkpoint = Directory.Exists(killed.Path)
                    ? Directory.GetFiles(killed.Path, "checkpoint.tsr", SearchOption.AllDirectories).FirstOrDefault() : null;
                Thread.Sleep(20);
            }
            Assert.NotNull(checkpoint);
            Thread.Sleep(150);
            process.Kill();   // SIGKILL: no cleanup runs
            process.WaitForExit();
        }
        var level = Directory.GetDirectories(killed.Path, "level_0", SearchOption.AllDirectories).Single();
        Assert.False(File.Exists(Path.Combine(level, "summary.json")));
        var resumed = CliRunner.Run(killed.Path, args, Env);
        Assert.Equal(0, resumed.ExitCode);
        var referenceLevel = Directory.GetDirectories(reference.Path, "level_0", SearchOption.AllDirectories).Single();
        Assert.Equal(File.ReadAllBytes(Path.Combine(referenceLevel, "metrics.csv")), File.ReadAllBytes(Path.Combine(level, "metrics.csv")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(referenceLevel, "final.tsr")), File.ReadAllBytes(Path.Combine(level, "final.tsr")));
    }

    [Fact]
    public void FindThenAControlThenRunsAndShow()
    {
        using var runs = new TempDir();
        var find = CliRunner.Run(runs.Path, ["find", "--levels", "2", "--iterations", "40it", "--replicates", "2", "--json", .. Quick], Env);
        Assert.Equal(0, find.ExitCode);
        var run = JsonDocument.Parse(find.Stdout).RootElement.GetProperty("run").GetString()!;
        Assert.StartsWith("lottery_", run);

        var reinit = CliRunner.Run(runs.Path, ["reinit", run[..12], "--draws", "2", "--threads", "1"], Env);
        Assert.Equal(0, reinit.ExitCode);

        var show = CliRunner.Run(runs.Path, ["show", run, "--json"], Env);
        Assert.Equal(0, show.ExitCode);
        var rows = JsonDocument.Parse(show.Stdout).RootElement.GetProperty("rows");
        Assert.Equal(3, rows.GetArrayLength());
        Assert.Equal(100.0, rows[0].GetProperty("percent_remaining").GetDouble(), 6);
        Assert.Equal(100.0 * (188_160 + 24_000 + 900) / 266_200, rows[1].GetProperty("percent_remaining").GetDouble(), 6);
        Assert.Equal(2, rows[2].GetProperty("ticket").GetProperty("final_test_accuracy").GetProperty("count").GetInt32());
        Assert.Equal(4, rows[2].GetProperty("reinit").GetProperty("final_test_accuracy").GetProperty("count").GetInt32());

        var list = CliRunner.Run(runs.Path, ["runs", "--json"], Env);
        var listed = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("runs")[0];
        Assert.Equal(run, listed.GetProperty("run").GetString());
        Assert.Equal(2, listed.GetProperty("highest_level").GetInt32());
        Assert.Equal("levels 0–2", listed.GetProperty("done").GetString());
        Assert.Equal("complete", listed.GetProperty("state").GetString());

        // The ticket of level 2 dense against sparse (every pruned layer on the kernels): the four numbers, and the
        // layers with their exact densities (20% of fc1 and fc2 pruned per round, 10% of the output layer).
        var bench = CliRunner.Run(runs.Path, ["bench", "--run", run[..12], "--level", "2", "--sparse", "on", "--iterations", "20", "--threads", "1", "--json"], Env);
        Assert.True(bench.ExitCode == 0, bench.Stderr);
        var speed = JsonDocument.Parse(bench.Stdout).RootElement;
        foreach (var key in new[] { "dense_ms_per_iteration", "sparse_ms_per_iteration", "dense_eval_examples_per_second", "sparse_eval_examples_per_second" })
            Assert.True(speed.GetProperty(key).GetDouble() > 0, key);
        var layers = speed.GetProperty("sparse_layers").EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!, l => l.GetProperty("density").GetDouble());
        Assert.Equal(["fc1.weight", "fc2.weight", "out.weight"], layers.Keys.Order());
        Assert.Equal(0.64, layers["fc1.weight"], 12);
        Assert.Equal(0.64, layers["fc2.weight"], 12);
        Assert.Equal(0.81, layers["out.weight"], 12);

        // The human table too.
        var table = CliRunner.Run(runs.Path, ["show", run], Env);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("level 2", table.Stdout);
        Assert.Contains("reinit", table.Stdout);

        // A second process cannot work in a run that is in use.
        using (RunLock.Acquire(Path.Combine(runs.Path, run, "replicate_2")))
        {
            var busy = CliRunner.Run(runs.Path, ["find", "--levels", "2", "--iterations", "40it", "--replicates", "2", .. Quick], Env);
            Assert.Equal(1, busy.ExitCode);
            Assert.Contains("in use by another lottery process", Assert.Single(busy.StderrLines, l => l.StartsWith("error:")));
        }
    }

    [Fact]
    public void OneShotWithRewindAndTheOtherControls()
    {
        using var runs = new TempDir();
        var oneshot = CliRunner.Run(runs.Path, ["oneshot", "--targets", "50,10%", "--rewind", "20it", "--iterations", "60it", "--json", .. Quick], Env);
        Assert.Equal(0, oneshot.ExitCode);
        var rows = JsonDocument.Parse(oneshot.Stdout).RootElement.GetProperty("rows");
        Assert.Equal(["level 0", "one-shot 50%", "one-shot 10%"], rows.EnumerateArray().Select(r => r.GetProperty("stage").GetString()));
        Assert.InRange(rows[2].GetProperty("percent_remaining").GetDouble(), 9.99, 10.01);
        var dir = JsonDocument.Parse(oneshot.Stdout).RootElement.GetProperty("run_dir").GetString()!;
        Assert.True(File.Exists(Path.Combine(dir, "replicate_1", "level_0", "capture.tsr")));
        Assert.Equal(20, global::Lottery.Training.MetricsLog.Read(Path.Combine(dir, "replicate_1", "target_10", "metrics.csv"))[0].Iteration);

        var find = CliRunner.Run(runs.Path, ["find", "--levels", "1", "--iterations", "40it", "--json", .. Quick], Env);
        var run = JsonDocument.Parse(find.Stdout).RootElement.GetProperty("run").GetString()!;
        Assert.Equal(0, CliRunner.Run(runs.Path, ["random-pruning", run, "--threads", "1"], Env).ExitCode);
        var continued = CliRunner.Run(runs.Path, ["continued", run, "--threads", "1", "--json"], Env);
        Assert.Equal(0, continued.ExitCode);
        var level1 = JsonDocument.Parse(continued.Stdout).RootElement.GetProperty("rows")[1];
        Assert.Equal(1, level1.GetProperty("random_pruning").GetProperty("final_test_accuracy").GetProperty("count").GetInt32());
        Assert.Equal(1, level1.GetProperty("continued").GetProperty("final_test_accuracy").GetProperty("count").GetInt32());
        // A control on a level the run does not have yet says how to get it.
        var missing = CliRunner.Run(runs.Path, ["reinit", run, "--levels", "3"], Env);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("lottery find --levels", Assert.Single(missing.StderrLines, l => l.StartsWith("error:")));
    }
}
