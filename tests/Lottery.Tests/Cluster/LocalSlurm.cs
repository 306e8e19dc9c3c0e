using System.Diagnostics;
using Lottery.Cluster;

namespace Lottery.Tests.Cluster;

/// <summary>
/// A real single-node Slurm cluster on this machine for the duration of a test class: tools/slurm-local starts munged,
/// slurmctld and slurmd from Debian's packages (installed by .ci/run) with every file in a temporary directory, and
/// stops them at the end. No sbatch is faked: when the packages or root are missing, the fixture fails loudly.
/// </summary>
public sealed class LocalSlurm : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"lottery-slurm-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
    public string Config => Path.Combine(Directory, "slurm.conf");
    static string Script => Path.Combine(TestData.RepositoryRoot, "tools", "slurm-local");

    public LocalSlurm()
    {
        var (code, output) = Run(Script, "start", Directory);
        if (code != 0) throw new InvalidOperationException($"tools/slurm-local start failed (exit {code}): {output}");
        // The test process asks the scheduler too (JobStatus), and its children inherit this.
        Environment.SetEnvironmentVariable("SLURM_CONF", Config);
    }

    /// <summary>Environment for lottery processes that talk to this cluster.</summary>
    public Dictionary<string, string> Env => new() { ["SLURM_CONF"] = Config };

    /// <summary>Waits until no task of <paramref name="runDirectory"/>'s jobs is pending or running; fails after the timeout
    /// with the scheduler's view and the logs' tails.</summary>
    public IReadOnlyList<global::Lottery.Cluster.TaskStatus> WaitForJobs(string runDirectory, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var tasks = JobStatus.Of(runDirectory);
            if (tasks.Count > 0 && tasks.All(t => !t.Live)) return tasks;
            if (clock.Elapsed > timeout)
                Assert.Fail($"jobs of {runDirectory} still live after {timeout.TotalSeconds:0} s: " +
                    string.Join("; ", tasks.Select(t => $"{t.Id} {t.State} {t.Detail}")) + Logs(runDirectory) + Daemons());
            Thread.Sleep(1000);
        }
    }

    public static string Logs(string runDirectory)
    {
        var dir = Path.Combine(runDirectory, "slurm", "logs");
        if (!System.IO.Directory.Exists(dir)) return "";
        return string.Concat(System.IO.Directory.EnumerateFiles(dir).Order().Select(f =>
            $"\n--- {Path.GetFileName(f)}:\n" + string.Join('\n', File.ReadAllLines(f).TakeLast(15))));
    }

    string Daemons()
    {
        var log = Path.Combine(Directory, "log", "slurmctld.log");
        return File.Exists(log) ? "\n--- slurmctld.log:\n" + string.Join('\n', File.ReadAllLines(log).TakeLast(20)) : "";
    }

    public static (int Code, string Output) Run(string command, params string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); return (-1, $"{command} timed out"); }
        return (p.ExitCode, (stdout.Result + stderr.Result).Trim());
    }

    public void Dispose()
    {
        Run(Script, "stop", Directory);
        Environment.SetEnvironmentVariable("SLURM_CONF", null);
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
