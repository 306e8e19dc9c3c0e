using System.Text.Json;
using Lottery.Cluster;
using Lottery.Runs;
using Lottery.Tests.Cli;

namespace Lottery.Tests.Cluster;

/// <summary>`lottery slurm` without a cluster: the dry run's scripts and commands, refusals before anything is written,
/// and the job script itself (valid bash, quoting).</summary>
public sealed class SlurmSubmissionTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    string[] Tiny => ["--preset", "lenet_mnist", "--iterations", "300it", "--eval-every", "50", "--levels", "1", "--data-root", TestData.DatasetsRoot, "--runs-dir", _dir.Path];

    [Fact]
    public void DryRunPrintsTheScriptsAndTheChainedSbatchCommandsAndWritesNothing()
    {
        var r = CliRunner.Run(_dir.Path, ["slurm", "find", .. Tiny, "--replicates", "3", "--controls", "reinit,continued", "--draws", "2",
            "--report", Path.Combine(_dir.Path, "report"), "--partition", "gpu", "--time", "4:00:00", "--cpus-per-task", "4", "--mem", "8G",
            "--sbatch-arg=--qos=long", "--dry-run"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var o = r.Stdout;
        Assert.Equal(4, o.Split("#!/bin/bash").Length - 1);   // find, reinit, continued, report
        Assert.Equal(3, o.Split("#SBATCH --array=1-3\n").Length - 1);   // find, reinit, continued: one task per replicate
        foreach (var line in new[] { "#SBATCH --partition=gpu", "#SBATCH --time=4:00:00", "#SBATCH --cpus-per-task=4", "#SBATCH --mem=8G",
                     "#SBATCH --qos=long", "#SBATCH --requeue", "#SBATCH --signal=B:USR1@120", "--replicate \"$task\"", "--threads \"${SLURM_CPUS_PER_TASK:-1}\"",
                     "reinit /", "--draws 2", "continued /", "find_job=$(sbatch --parsable ",
                     "reinit_job=$(sbatch --parsable --dependency=aftercorr:$find_job --kill-on-invalid-dep=yes ",
                     "continued_job=$(sbatch --parsable --dependency=aftercorr:$find_job --kill-on-invalid-dep=yes ",
                     "report_job=$(sbatch --parsable --dependency=afterany:$find_job:$reinit_job:$continued_job --kill-on-invalid-dep=yes " })
            Assert.Contains(line, o);
        // The experiment's flags reach the jobs unchanged; Slurm's own and --replicates do not.
        Assert.Contains("find --preset lenet_mnist --iterations 300it --eval-every 50 --levels 1 --runs-dir ", o);
        var commands = string.Join('\n', o.Split('\n').Where(l => !l.StartsWith('#')));
        Assert.DoesNotContain("--replicates", commands);
        Assert.DoesNotContain("--partition", commands);
        Assert.Empty(RunCatalog.List(_dir.Path));   // nothing written
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "report")));
    }

    [Fact]
    public void ARunsDirectoryWithASpaceIsQuotedInTheSbatchLines()
    {
        var spaced = Path.Combine(_dir.Path, "my runs");
        var r = CliRunner.Run(_dir.Path, ["slurm", "find", "--preset", "lenet_mnist", "--levels", "1", "--data-root", TestData.DatasetsRoot,
            "--runs-dir", spaced, "--dry-run"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var output = Assert.Single(r.Stdout.Split('\n'), l => l.StartsWith("#SBATCH --output=", StringComparison.Ordinal));
        Assert.Matches("^#SBATCH --output=\"[^\"]*/my runs/lottery_[0-9a-f]{16}/slurm/logs/find-%A_%a\\.out\"$", output);
        Assert.DoesNotContain(r.Stdout.Split('\n'), l => l.StartsWith("#SBATCH", StringComparison.Ordinal) && l.Contains(' ') && !l.Contains('"') && l.Contains("my runs"));
    }

    [Theory]
    [InlineData("--time", "3 hours", "--time '3 hours' is not a Slurm time")]
    [InlineData("--mem", "lots", "--mem 'lots' is not a Slurm size")]
    [InlineData("--gpus", "many", "--gpus 'many' is not a GPU count")]
    [InlineData("--sbatch-arg", "--array=1-9", "lottery sets --array itself")]
    [InlineData("--sbatch-arg", "qos=long", "is not an sbatch option")]
    [InlineData("--controls", "reinit,shufle", "unknown branch 'shufle'")]
    [InlineData("--partition", "a b", "contains a space")]
    [InlineData("--draws", "3", "--draws applies to a chained reinit control")]
    public void BadSlurmFlagsAreOneLineErrorsBeforeAnythingIsWritten(string flag, string value, string expected)
    {
        var r = CliRunner.Run(_dir.Path, ["slurm", "find", .. Tiny, flag, value]);
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.StderrLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.Empty(RunCatalog.List(_dir.Path));
    }

    [Theory]
    [InlineData(new[] { "slurm" }, "no command given: the commands are find, oneshot, train, reinit, random_pruning, continued, shuffle, invert, stability, report")]
    [InlineData(new[] { "slurm", "bench" }, "unknown command 'bench': the commands are find, oneshot, train, reinit, random_pruning, continued, shuffle, invert, stability, report")]
    [InlineData(new[] { "slurm", "find", "--cpus-per-task", "0" }, "--cpus-per-task must be at least 1")]
    [InlineData(new[] { "slurm", "find", "--signal-before", "soon" }, "--signal-before: 'soon' is not a whole number")]
    public void MalformedSlurmCommandsAreParserErrors(string[] args, string expected)
    {
        var r = CliRunner.Run(_dir.Path, args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, Assert.Single(r.StderrLines));
    }

    [Fact]
    public void PruningAtInitializationIsSubmittedWithItsScoreAndSanityChecksChainedOnItsTasks()
    {
        var r = CliRunner.Run(_dir.Path, ["slurm", "oneshot", "--preset", "lenet_mnist", "--iterations", "300it", "--targets", "21.1,3.6", "--score", "synflow",
            "--rounds", "20", "--strategy", "global", "--replicates", "2", "--controls", "shuffle,invert,reinit", "--draws", "2",
            "--data-root", TestData.DatasetsRoot, "--runs-dir", _dir.Path, "--dry-run"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var o = r.Stdout;
        Assert.Equal(4, o.Split("#!/bin/bash").Length - 1);   // oneshot, shuffle, invert, reinit
        foreach (var line in new[] { "oneshot --preset lenet_mnist --iterations 300it --targets 21.1,3.6 --score synflow --rounds 20 --strategy global",
                     "shuffle /", "invert /", "reinit /", "--draws 2", "oneshot_job=$(sbatch --parsable ",
                     "shuffle_job=$(sbatch --parsable --dependency=aftercorr:$oneshot_job --kill-on-invalid-dep=yes ",
                     "invert_job=$(sbatch --parsable --dependency=aftercorr:$oneshot_job --kill-on-invalid-dep=yes " })
            Assert.Contains(line, o);
        // Only the branch that draws gets --draws.
        var scripts = o.Split("# ---- ");
        static string Commands(string script) => string.Join('\n', script.Split('\n').Where(l => !l.StartsWith('#')));
        Assert.DoesNotContain("--draws", Commands(scripts.Single(x => x.Contains("shuffle.sbatch ----"))));
        Assert.Contains("--draws 2", scripts.Single(x => x.Contains("reinit.sbatch ----")));
        Assert.Empty(RunCatalog.List(_dir.Path));
        // Dense training has no pruned stage to attach a branch to.
        var train = CliRunner.Run(_dir.Path, ["slurm", "train", "--preset", "lenet_mnist", "--controls", "reinit", "--data-root", TestData.DatasetsRoot, "--dry-run"]);
        Assert.Equal(1, train.ExitCode);
        Assert.Contains("--controls applies to `lottery slurm find` and `lottery slurm oneshot`", Assert.Single(train.StderrLines));
    }

    [Fact]
    public void WithoutSbatchTheSubmissionIsRefusedAndLeavesNoRun()
    {
        // A PATH without Slurm's commands (the dotnet host needs none).
        var r = CliRunner.Run(_dir.Path, ["slurm", "find", .. Tiny], new Dictionary<string, string> { ["PATH"] = _dir.Path });
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("sbatch is not on the PATH", Assert.Single(r.StderrLines));
        Assert.Empty(RunCatalog.List(_dir.Path));
    }

    [Fact]
    public void WithoutTheSchedulerShowAndRunsReadTheScriptsExitRecords()
    {
        // A real run, then a job record as `lottery slurm` writes it and exit records as its script writes them: job
        // 4242's task 1 succeeded, task 2 failed, task 3 left no record (killed before its script ended). With no
        // squeue on the PATH (a run copied off the cluster, or a scheduler that has forgotten the job and keeps no
        // accounting), `show` and `runs` fall back to those records.
        var trained = CliRunner.Run(_dir.Path, ["train", "--preset", "lenet_mnist", "--iterations", "20it", "--eval-every", "10", "--no-tensorboard",
            "--data-root", TestData.DatasetsRoot, "--runs-dir", _dir.Path]);
        Assert.True(trained.ExitCode == 0, trained.Stderr);
        var run = Assert.Single(RunCatalog.List(_dir.Path));
        var log = Path.Combine(run, "slurm", "logs", "train-%A_%a.out");
        JobLedger.Append(run, new JobRecord("4242", "train", [1, 2, 3], Path.Combine(run, "slurm", "train.sbatch"), log, null, DateTimeOffset.UtcNow, "login1"));
        var status = Directory.CreateDirectory(Path.Combine(run, "slurm", "status")).FullName;
        File.WriteAllText(Path.Combine(status, "4242_1"), "exit=0 node=n1 end=2026-11-28T07:00:00+00:00 attempt=1 requeue=0 terminated=0\n");
        File.WriteAllText(Path.Combine(status, "4242_2"), "exit=1 node=n2 end=2026-11-28T07:00:05+00:00 attempt=1 requeue=0 terminated=0\n");
        // The logs the two tasks that ran wrote (the one without a record never started: no log).
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        foreach (var task in new[] { 1, 2 }) File.WriteAllText(JobScript.LogOf(log, "4242", task), "lottery-slurm: train job …\n");
        var noScheduler = new Dictionary<string, string> { ["PATH"] = _dir.Path };

        var shown = CliRunner.Run(_dir.Path, ["show", run, "--json"], noScheduler);
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        var jobs = JsonDocument.Parse(shown.Stdout).RootElement.GetProperty("jobs").EnumerateArray()
            .Select(j => (j.GetProperty("id").GetString(), j.GetProperty("state").GetString(), j.GetProperty("node").GetString(), j.GetProperty("log").GetString())).ToList();
        Assert.Equal([("4242_1", "COMPLETED", "n1", Path.Combine(run, "slurm", "logs", "train-4242_1.out")),
                      ("4242_2", "FAILED", "n2", Path.Combine(run, "slurm", "logs", "train-4242_2.out")),
                      ("4242_3", "UNKNOWN", "", Path.Combine(run, "slurm", "logs", "train-4242_3.out"))], jobs);
        var text = CliRunner.Run(_dir.Path, ["show", run], noScheduler).Stdout;
        Assert.Contains("exit 1: the log says why", text);
        Assert.Contains("slurm/logs/train-4242_2.out", text);
        Assert.DoesNotContain("train-4242_3.out", text);   // shown only where a log exists
        var runs = CliRunner.Run(_dir.Path, ["runs"], noScheduler);
        Assert.Contains("complete; slurm: 1 failed, 1 unknown", runs.Stdout);
    }

    [Fact]
    public void TheJobScriptIsValidBashAndQuotesEveryArgument()
    {
        var script = new JobScript("find", _dir.Path, "find.x", [1, 2, 3, 5], new SlurmResources(Time: "10", ExtraArgs: ["--qos=long"]), "/work dir",
            ["/usr/bin/dotnet", "/opt/lottery dir/Lottery.Cli.dll"], ["find", "--layer-rate", "fc1=0.3", "--exclude", "it's odd"], ThreadsGiven: false, "lottery slurm find", "1.0");
        var text = script.Text();
        Assert.Contains("#SBATCH --array=1-3,5\n", text);
        Assert.Contains("lottery=(/usr/bin/dotnet '/opt/lottery dir/Lottery.Cli.dll')", text);
        Assert.Contains("--exclude 'it'\\''s odd'", text);
        Assert.Contains("#SBATCH --chdir=\"/work dir\"\n", text);   // sbatch splits an unquoted #SBATCH value at white space
        var path = Path.Combine(_dir.Path, "check.sh");
        File.WriteAllText(path, text);
        var (code, output) = LocalSlurm.Run("bash", "-n", path);
        Assert.True(code == 0, output);
    }

    [Theory]
    [InlineData(new[] { 1 }, "1")]
    [InlineData(new[] { 3, 1, 2 }, "1-3")]
    [InlineData(new[] { 1, 2, 4, 6, 7, 8 }, "1-2,4,6-8")]
    public void ReplicatesBecomeArraySpecifications(int[] tasks, string spec)
    {
        Assert.Equal(spec, TaskList.Format(tasks));
        Assert.Equal(tasks.Order(), TaskList.Parse(spec));
    }
}
