using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lottery.Cluster;
using Lottery.Tests.Cli;

namespace Lottery.Tests.Cluster;

/// <summary>
/// `lottery slurm` on a real Slurm cluster (<see cref="LocalSlurm"/>): a tiny experiment submitted as job arrays with a
/// chained control and report gives bit for bit what the same commands give locally; a task cancelled mid-level and
/// submitted again resumes from its checkpoint to the same bits.
/// </summary>
public sealed class SlurmClusterTests(LocalSlurm slurm) : IClassFixture<LocalSlurm>, IDisposable
{
    readonly TempDir _dir = new();
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(6);

    public void Dispose() => _dir.Dispose();

    string[] Tiny(string iterations, int evalEvery, int levels = 1) =>
        ["--preset", "lenet_mnist", "--iterations", iterations, "--eval-every", $"{evalEvery}", "--levels", $"{levels}", "--no-tensorboard",
         "--data-root", TestData.DatasetsRoot];

    CliRunner.Result Lottery(string runs, params string[] args)
    {
        var result = CliRunner.Run(runs, args, slurm.Env, timeoutSeconds: 300);
        Assert.True(result.ExitCode == 0, $"lottery {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr}");
        return result;
    }

    [Fact]
    public void ExperimentAsJobArraysEqualsTheLocalRunBitForBit()
    {
        var onSlurm = Path.Combine(_dir.Path, "slurm-runs");
        var local = Path.Combine(_dir.Path, "local-runs");
        var report = Path.Combine(_dir.Path, "report");

        var submitted = Lottery(onSlurm, ["slurm", "find", .. Tiny("300it", 50), "--replicates", "2", "--controls", "reinit",
            "--report", report, "--runs-dir", onSlurm, "--json"]);
        var json = JsonNode.Parse(submitted.Stdout)!.AsObject();
        var jobs = json["jobs"]!.AsArray();
        Assert.Equal(["find", "reinit", "report"], jobs.Select(j => (string)j!["kind"]!));
        var ids = jobs.Select(j => (string)j!["job_id"]!).ToList();
        Assert.Equal($"aftercorr:{ids[0]}", (string?)jobs[1]!["dependency"]);
        Assert.Equal($"afterany:{ids[0]}:{ids[1]}", (string?)jobs[2]!["dependency"]);
        var runDir = (string)json["run_dirs"]![0]!;
        Assert.True(File.Exists(Path.Combine(runDir, "slurm", "find.sbatch")));

        var tasks = slurm.WaitForJobs(runDir, Patience);
        Assert.True(tasks.All(t => t.State == "COMPLETED"), string.Join("; ", tasks.Select(t => $"{t.Id} {t.State} {t.Detail}")) + LocalSlurm.Logs(runDir));
        Assert.Equal(5, tasks.Count);   // find 1-2, reinit 1-2, report
        Assert.True(File.Exists(Path.Combine(report, "report.html")), "the report job wrote no report.html" + LocalSlurm.Logs(runDir));

        // `show` reads the jobs back from the scheduler.
        var shown = JsonNode.Parse(Lottery(onSlurm, "show", runDir, "--json").Stdout)!["jobs"]!.AsArray();
        Assert.Equal(5, shown.Count);
        Assert.All(shown, j => Assert.Equal("COMPLETED", (string?)j!["state"]));
        Assert.All(shown, j => Assert.True(File.Exists((string)j!["log"]!), $"no log at {j!["log"]}"));

        // The same experiment run here, in another runs root: the same run, the same bits.
        Lottery(local, ["find", .. Tiny("300it", 50), "--replicates", "2", "--threads", "1", "--runs-dir", local]);
        var localRun = Path.Combine(local, Path.GetFileName(runDir));
        Lottery(local, "reinit", localRun, "--threads", "1", "--no-tensorboard", "--runs-dir", local, "--data-root", TestData.DatasetsRoot);
        // The report measures each stage's training accuracy (train_accuracy.json): compared too.
        Lottery(local, "report", localRun, "--out", Path.Combine(_dir.Path, "local-report"), "--threads", "1", "--runs-dir", local, "--data-root", TestData.DatasetsRoot);
        AssertSameResults(localRun, runDir, expectedStages: 6);
    }

    [Fact]
    public void ATaskCancelledMidLevelAndSubmittedAgainResumesToTheSameBits()
    {
        var onSlurm = Path.Combine(_dir.Path, "slurm-runs");
        var local = Path.Combine(_dir.Path, "local-runs");
        string[] find = ["find", .. Tiny("2000it", 100), "--checkpoint-every", "100"];

        var first = JsonNode.Parse(Lottery(onSlurm, ["slurm", .. find, "--runs-dir", onSlurm, "--json"]).Stdout)!;
        var runDir = (string)first["run_dirs"]![0]!;
        var jobId = (string)first["jobs"]![0]!["job_id"]!;
        // Wait for the first checkpoint of the dense level, then cancel: the task is stopped in the middle of a level.
        var checkpoint = Path.Combine(runDir, "replicate_1", "level_0", "checkpoint.tsr");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(checkpoint))
        {
            if (clock.Elapsed > Patience) Assert.Fail("no checkpoint appeared" + LocalSlurm.Logs(runDir));
            if (File.Exists(Path.Combine(runDir, "replicate_1", "level_0", "final.tsr"))) Assert.Fail("level 0 finished before it could be cancelled");
            Thread.Sleep(100);
        }
        Assert.Equal(0, LocalSlurm.Run("scancel", jobId).Code);
        var cancelled = slurm.WaitForJobs(runDir, Patience);
        Assert.Equal("CANCELLED", Assert.Single(cancelled).State);
        Assert.False(File.Exists(Path.Combine(runDir, "replicate_1", "level_0", "final.tsr")), "the cancelled task finished its level anyway");
        Assert.True(File.Exists(checkpoint), "the cancelled task left no checkpoint");
        var log = File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(runDir, "slurm", "logs"))));
        Assert.Contains("SIGTERM: checkpointing", log);

        // The same command again: a new array whose task resumes from the checkpoint.
        var second = JsonNode.Parse(Lottery(onSlurm, ["slurm", .. find, "--runs-dir", onSlurm, "--json"]).Stdout)!;
        Assert.NotEqual(jobId, (string)second["jobs"]![0]!["job_id"]!);
        var tasks = slurm.WaitForJobs(runDir, Patience);
        Assert.Equal("COMPLETED", tasks[0].State);
        Assert.Contains("resuming from its checkpoint", File.ReadAllText(tasks[0].Log));

        Lottery(local, [.. find, "--threads", "1", "--runs-dir", local]);
        AssertSameResults(Path.Combine(local, Path.GetFileName(runDir)), runDir, expectedStages: 2);
    }

    [Fact]
    public void ATaskSignalledBeforeItsTimeLimitCheckpointsRequeuesItselfAndResumes()
    {
        var onSlurm = Path.Combine(_dir.Path, "slurm-runs");
        // A 2-minute limit with the signal 60 s before it. Slurm checks limits every 30 s and sends the signal at the first
        // check within 30 s of the asked time, so it comes 30–60 s into the task: after the first checkpoints (every 100
        // iterations), long before 36000 iterations are done: 12000 ran out in 51 s on a fast day, before the signal came.
        // (With 59 s before a 1-minute limit it can come at once.)
        const int iterations = 36000;
        var submitted = JsonNode.Parse(Lottery(onSlurm, ["slurm", "find", .. Tiny($"{iterations}it", 100, levels: 0), "--runs-dir", onSlurm,
            "--time", "2", "--signal-before", "60", "--json"]).Stdout)!;
        var runDir = (string)submitted["run_dirs"]![0]!;
        var task = $"{(string)submitted["jobs"]![0]!["job_id"]!}_1";
        Assert.Contains("#SBATCH --signal=B:USR1@60", File.ReadAllText(Path.Combine(runDir, "slurm", "find.sbatch")));

        // The first attempt checkpoints and requeues itself: the task is pending again, held by Slurm's requeue delay.
        var clock = Stopwatch.StartNew();
        while (!Slurm.Queue(task).Any(q => q.Id == task && q.State == "PENDING" && q.Reason == "BeginTime"))
        {
            if (clock.Elapsed > Patience || Slurm.Queue(task).Any(q => q.Id == task && !q.Live))
                Assert.Fail($"{task} was not requeued: {string.Join("; ", Slurm.Queue(task))}" + LocalSlurm.Logs(runDir));
            Thread.Sleep(500);
        }
        var checkpoint = Path.Combine(runDir, "replicate_1", "level_0", "checkpoint.tsr");
        Assert.True(File.Exists(checkpoint), "the signalled task left no checkpoint" + LocalSlurm.Logs(runDir));
        var stoppedAt = int.Parse(global::Lottery.Runs.TensorFile.Load(checkpoint).Meta["iteration"]);
        // Test-only: skip the 2-minute requeue hold and lift the limit so the second attempt runs to the end.
        var (code, output) = LocalSlurm.Run("scontrol", "update", $"JobId={task}", "StartTime=now", "TimeLimit=15");
        Assert.True(code == 0, output);

        // The second attempt trains what is left of the 36000 iterations: ~3 min on an idle machine, but 10 at the 54 it/s
        // a machine busy with other work gave it, longer than Patience: wait up to the limit it was just given.
        var tasks = slurm.WaitForJobs(runDir, TimeSpan.FromMinutes(15));
        var log = File.ReadAllText(Assert.Single(tasks).Log);
        Assert.True(tasks[0].State == "COMPLETED", $"{task} ended {tasks[0].State}:\n{log}{LocalSlurm.Logs(runDir)}");
        Assert.Contains("SIGTERM: checkpointing at the next measurement", log);
        Assert.Contains("requeueing", log);
        Assert.Contains("attempt 2", log);
        Assert.Contains($"resuming from its checkpoint at iteration {stoppedAt}", log);
        // Nothing was done twice or skipped: every measurement once, the stage's iterations counted once.
        var measured = File.ReadAllLines(Path.Combine(runDir, "replicate_1", "level_0", "metrics.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToList();
        Assert.Equal(Enumerable.Range(0, iterations / 100 + 1).Select(i => i * 100), measured);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, "replicate_1", "level_0", "summary.json")))!;
        Assert.Equal(iterations, (int)summary["iterations_run"]!);
    }

    /// <summary>Every file a stage keeps is byte-identical (weights, masks, metrics, sparsity, training accuracy, seeds),
    /// and the summaries agree in everything but wall-clock time.</summary>
    static void AssertSameResults(string expectedRun, string actualRun, int expectedStages)
    {
        static IEnumerable<string> Files(string run) => Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(run, f))
            .Where(f => f.StartsWith("replicate_", StringComparison.Ordinal) && Path.GetFileName(f) != "lock")
            .Order(StringComparer.Ordinal);
        var expected = Files(expectedRun).ToList();
        Assert.Equal(expected, Files(actualRun).ToList());
        Assert.Equal(expectedStages, expected.Count(f => Path.GetFileName(f) == "summary.json"));
        foreach (var f in expected)
        {
            var a = File.ReadAllBytes(Path.Combine(expectedRun, f));
            var b = File.ReadAllBytes(Path.Combine(actualRun, f));
            if (Path.GetFileName(f) == "summary.json")
            {
                var x = JsonNode.Parse(a)!.AsObject();
                var y = JsonNode.Parse(b)!.AsObject();
                foreach (var time in new[] { "seconds", "milliseconds_per_iteration", "finished", "measurement_seconds" }) { x.Remove(time); y.Remove(time); }
                Assert.Equal(x.ToJsonString(), y.ToJsonString());
            }
            else Assert.True(a.AsSpan().SequenceEqual(b), $"{f} differs between the local run and the Slurm run");
        }
    }
}
