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

    [Theory]
    [InlineData("--time", "3 hours", "--time '3 hours' is not a Slurm time")]
    [InlineData("--mem", "lots", "--mem 'lots' is not a Slurm size")]
    [InlineData("--gpus", "many", "--gpus 'many' is not a GPU count")]
    [InlineData("--sbatch-arg", "--array=1-9", "lottery sets --array itself")]
    [InlineData("--sbatch-arg", "qos=long", "is not an sbatch option")]
    [InlineData("--controls", "reinit,shuffle", "unknown control 'shuffle'")]
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
    [InlineData(new[] { "slurm" }, "no command given: the commands are find, oneshot, train, reinit, random-pruning, continued, report")]
    [InlineData(new[] { "slurm", "bench" }, "unknown command 'bench': the commands are find, oneshot, train, reinit, random-pruning, continued, report")]
    [InlineData(new[] { "slurm", "find", "--cpus-per-task", "0" }, "--cpus-per-task must be at least 1")]
    [InlineData(new[] { "slurm", "find", "--signal-before", "soon" }, "--signal-before: 'soon' is not a whole number")]
    public void MalformedSlurmCommandsAreParserErrors(string[] args, string expected)
    {
        var r = CliRunner.Run(_dir.Path, args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, Assert.Single(r.StderrLines));
    }

    [Fact]
    public void ControlsChainOnlyAfterIterativeRuns()
    {
        var r = CliRunner.Run(_dir.Path, ["slurm", "oneshot", "--preset", "lenet_mnist", "--targets", "50", "--controls", "reinit", "--data-root", TestData.DatasetsRoot, "--dry-run"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--controls applies to `lottery slurm find`", Assert.Single(r.StderrLines));
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
    public void TheJobScriptIsValidBashAndQuotesEveryArgument()
    {
        var script = new JobScript("find", _dir.Path, "find.x", [1, 2, 3, 5], new SlurmResources(Time: "10", ExtraArgs: ["--qos=long"]), "/work dir",
            ["/usr/bin/dotnet", "/opt/lottery dir/Lottery.Cli.dll"], ["find", "--layer-rate", "fc1=0.3", "--exclude", "it's odd"], ThreadsGiven: false, "lottery slurm find", "1.0");
        var text = script.Text();
        Assert.Contains("#SBATCH --array=1-3,5\n", text);
        Assert.Contains("lottery=(/usr/bin/dotnet '/opt/lottery dir/Lottery.Cli.dll')", text);
        Assert.Contains("--exclude 'it'\\''s odd'", text);
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
