using System.Globalization;

namespace Lottery.Cluster;

/// <summary>Where one task of a run's job stands.</summary>
/// <param name="State">The scheduler's word (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, …) or, once
/// the scheduler has forgotten the job and keeps no accounting, the one its script recorded; UNKNOWN when neither.</param>
/// <param name="Detail">Why it waits, how it ended (exit status), or what is known about it, in words.</param>
public sealed record TaskStatus(string Kind, string JobId, int? Task, string State, string Node, string Detail, string Log)
{
    public string Id => Task is int t ? $"{JobId}_{t}" : JobId;
    public bool Live => QueueEntry.IsLive(State);
    public bool Failed => State is "FAILED" or "TIMEOUT" or "NODE_FAIL" or "OUT_OF_MEMORY" or "BOOT_FAIL" or "DEADLINE" or "UNKNOWN";
}

/// <summary>
/// The state of every task a run has submitted, from the best source at hand: squeue while the controller knows
/// the job, sacct where accounting is kept, else the exit record the job's script wrote into slurm/status/.
/// </summary>
public static class JobStatus
{
    /// <summary>The tasks of the run's jobs, latest submission first; empty when the run has no jobs. Without
    /// squeue on this machine (looking at runs copied off the cluster) only the scripts' exit records are used.</summary>
    public static IReadOnlyList<TaskStatus> Of(string runDirectory)
    {
        var records = JobLedger.Read(runDirectory);
        if (records.Count == 0) return [];
        bool canAsk = Slurm.OnPath("squeue");
        var result = new List<TaskStatus>();
        foreach (var record in records.AsEnumerable().Reverse())
        {
            IReadOnlyList<QueueEntry> queue = [];
            IReadOnlyList<(string Id, string State, string Node, string ExitCode)>? accounting = null;
            if (canAsk)
            {
                try { queue = Slurm.Queue(record.JobId); } catch (SlurmException) { }
                if (queue.Count < record.TaskIds().Count()) accounting = Slurm.Accounting(record.JobId);
            }
            foreach (var (id, task) in record.TaskIds())
            {
                var log = JobScript.LogOf(record.Log, record.JobId, task);
                if (queue.FirstOrDefault(q => q.Id == id) is { } q)
                {
                    result.Add(new TaskStatus(record.Kind, record.JobId, task, q.State, q.Node, Describe(q, runDirectory, id), log));
                    continue;
                }
                if (accounting?.FirstOrDefault(a => a.Id == id) is { Id: not null } a)
                {
                    result.Add(new TaskStatus(record.Kind, record.JobId, task, a.State, a.Node, $"exit {a.ExitCode}", log));
                    continue;
                }
                result.Add(FromExitRecord(record, id, task, runDirectory, log));
            }
        }
        return result;
    }

    static string Describe(QueueEntry q, string runDirectory, string id) => q.State switch
    {
        "PENDING" => q.Reason switch
        {
            "Dependency" => "waiting for the jobs it depends on",
            "BeginTime" => "requeued: waits for Slurm's requeue delay",
            "None" => "queued",
            var r => $"queued ({r})",
        },
        "RUNNING" => "",
        "COMPLETED" => "exit 0",
        "CANCELLED" when q.Reason == "DependencyNeverSatisfied" => "never started: a task it waited for failed",
        "CANCELLED" => "cancelled: submit again to resume from its checkpoint",
        "TIMEOUT" => "hit its time limit: submit again (a longer --time, or keep --signal-before) to resume",
        _ => (ExitRecord(runDirectory, id) is { } e ? $"exit {e.GetValueOrDefault("exit", "?")}: the log says why" : "the log says why")
             + (q.Reason is "None" or "" ? "" : $" ({q.Reason})"),
    };

    static TaskStatus FromExitRecord(JobRecord record, string id, int? task, string runDirectory, string log)
    {
        var e = ExitRecord(runDirectory, id);
        if (e is null)
            return new TaskStatus(record.Kind, record.JobId, task, "UNKNOWN", "", "no longer in the queue and no exit record: killed before its script ended, or never started; see the log", log);
        var node = e.GetValueOrDefault("node", "");
        var code = e.GetValueOrDefault("exit", "?");
        var state = code == "0" ? "COMPLETED"
            : e.GetValueOrDefault("terminated") == "1" ? "CANCELLED"
            : e.GetValueOrDefault("requeue") == "1" ? "REQUEUED"
            : "FAILED";
        var detail = state switch
        {
            "COMPLETED" => $"exit 0 at {e.GetValueOrDefault("end", "?")}",
            "CANCELLED" => $"stopped by SIGTERM (exit {code}); its checkpoint is kept: submit again to resume",
            "REQUEUED" => "checkpointed before its time limit and requeued",
            _ => $"exit {code}: the log says why",
        };
        return new TaskStatus(record.Kind, record.JobId, task, state, node, detail, log);
    }

    /// <summary>slurm/status/JOB_TASK: "exit=0 node=n1 end=… attempt=1 requeue=0 terminated=0".</summary>
    static Dictionary<string, string>? ExitRecord(string runDirectory, string id)
    {
        var path = Path.Combine(JobScript.SlurmFolder(runDirectory), "status", id);
        if (!File.Exists(path)) return null;
        try
        {
            return File.ReadAllText(path).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(kv => kv.Split('=', 2)).Where(kv => kv.Length == 2)
                .GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        }
        catch (IOException) { return null; }
    }

    /// <summary>The latest submission of each kind and task (an old failure resubmitted since is history), in
    /// submission order. <paramref name="tasks"/> as <see cref="Of"/> returns them: latest submission first.</summary>
    public static IReadOnlyList<TaskStatus> Latest(IReadOnlyList<TaskStatus> tasks) =>
        tasks.GroupBy(t => (t.Kind, t.Task)).Select(g => g.First())
            .OrderBy(t => long.TryParse(t.JobId, out var id) ? id : long.MaxValue).ThenBy(t => t.Task).ToList();

    /// <summary>"slurm: 2 running, 1 pending" or "slurm: 1 failed": the live and failed tasks among the latest
    /// submissions; null when none is live or failed.</summary>
    public static string? Summary(IReadOnlyList<TaskStatus> tasks)
    {
        if (tasks.Count == 0) return null;
        var parts = Latest(tasks).Where(t => t.Live || t.Failed).GroupBy(t => t.State)
            .OrderBy(g => g.Key == "RUNNING" ? 0 : g.Key == "PENDING" ? 1 : 2)
            .Select(g => $"{g.Count().ToString(CultureInfo.InvariantCulture)} {g.Key.ToLowerInvariant()}").ToList();
        return parts.Count == 0 ? null : "slurm: " + string.Join(", ", parts);
    }
}
