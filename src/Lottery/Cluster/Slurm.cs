using System.Diagnostics;

namespace Lottery.Cluster;

/// <summary>A task of a job as the scheduler reports it. <paramref name="Id"/> is "JOB_TASK" for array tasks
/// ("12_3"), "JOB" otherwise; <paramref name="Node"/> is empty while pending, <paramref name="Reason"/> says why
/// it waits ("Dependency", "Resources", "BeginTime") or "None".</summary>
public sealed record QueueEntry(string Id, string State, string Node, string Reason)
{
    public bool Live => IsLive(State);

    /// <summary>States in which a task still holds or waits for resources.</summary>
    public static bool IsLive(string state) => state is "PENDING" or "RUNNING" or "CONFIGURING" or "COMPLETING" or "SUSPENDED" or "REQUEUED"
        or "REQUEUE_HOLD" or "REQUEUE_FED" or "RESIZING" or "SIGNALING" or "STAGE_OUT" or "STOPPED";
}

/// <summary>
/// The Slurm commands lottery uses, run as processes (sbatch, squeue, sacct): the scheduler is the engine, lottery
/// only writes scripts and reads states. Each call is bounded in time; a missing command or a refusal becomes one
/// <see cref="SlurmException"/> line with Slurm's own message.
/// </summary>
public static class Slurm
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>True when `sbatch` is on the PATH (a login or compute node of a cluster, or tools/slurm-local).</summary>
    public static bool Available => OnPath("sbatch");

    public static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, command)));

    /// <summary>Submits <paramref name="script"/>; returns the job id.</summary>
    /// <param name="dependency">An sbatch dependency ("aftercorr:12", "afterany:12:13") or null. A dependent job that can
    /// never start (what it waits for failed) is cancelled rather than left pending forever.</param>
    public static string Submit(string script, string? dependency)
    {
        var args = new List<string> { "--parsable" };
        if (dependency is not null) args.AddRange([$"--dependency={dependency}", "--kill-on-invalid-dep=yes"]);
        args.Add(script);
        var (code, stdout, stderr) = Run("sbatch", args);
        if (code != 0) throw new SlurmException($"sbatch refused {script}: {Message(stderr, stdout)}");
        // --parsable prints "JOBID" or "JOBID;CLUSTER".
        var id = stdout.Trim().Split(';')[0];
        if (id.Length == 0 || !id.All(char.IsAsciiDigit)) throw new SlurmException($"sbatch printed no job id for {script}: '{stdout.Trim()}'");
        return id;
    }

    /// <summary>Every task of job <paramref name="jobId"/> the controller still knows (pending, running, and finished
    /// ones until they age out); empty when it knows none.</summary>
    public static IReadOnlyList<QueueEntry> Queue(string jobId)
    {
        var (code, stdout, stderr) = Run("squeue", ["--noheader", "--array", "--states=all", $"--jobs={jobId}", "--format=%i|%T|%N|%r"]);
        if (code != 0)
        {
            if (stderr.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase)) return [];
            throw new SlurmException($"squeue failed: {Message(stderr, stdout)}");
        }
        return Lines(stdout).Select(l => l.Split('|')).Where(f => f.Length == 4)
            .Select(f => new QueueEntry(f[0].Trim(), f[1].Trim(), f[2].Trim(), f[3].Trim())).ToList();
    }

    /// <summary>Finished tasks from accounting (sacct), or null where accounting is not kept or sacct is missing.</summary>
    public static IReadOnlyList<(string Id, string State, string Node, string ExitCode)>? Accounting(string jobId)
    {
        if (!OnPath("sacct")) return null;
        var (code, stdout, _) = Run("sacct", ["--noheader", "--parsable2", "--allocations", $"--jobs={jobId}", "--format=JobID,State,NodeList,ExitCode"]);
        if (code != 0) return null;
        return Lines(stdout).Select(l => l.Split('|')).Where(f => f.Length == 4)
            // sacct writes "CANCELLED by 0": the state is the first word.
            .Select(f => (f[0], f[1].Split(' ')[0], f[2], f[3])).ToList();
    }

    /// <summary>Whether job (or array task) <paramref name="jobId"/> is still pending or running; null when this
    /// machine cannot ask (no squeue).</summary>
    public static bool? IsAlive(string jobId)
    {
        if (!OnPath("squeue")) return null;
        try
        {
            var entries = Queue(jobId);
            return entries.Any(e => e.Id == jobId && e.Live) || entries.Any(e => e.Live && !jobId.Contains('_'));
        }
        catch (SlurmException) { return null; }
    }

    static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    static string Message(string stderr, string stdout)
    {
        var text = (stderr.Trim().Length > 0 ? stderr : stdout).Trim();
        return text.Length == 0 ? "no message" : string.Join(' ', Lines(text));
    }

    static (int Code, string Stdout, string Stderr) Run(string command, IEnumerable<string> args)
    {
        if (!OnPath(command))
            throw new SlurmException($"{command} is not on the PATH: run this on a Slurm login node (or start tools/slurm-local), or use --dry-run to see the scripts");
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new SlurmException($"{command} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new SlurmException($"{command} did not answer in {Timeout.TotalSeconds:0} s: is the controller (slurmctld) up? `sinfo` tells");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
