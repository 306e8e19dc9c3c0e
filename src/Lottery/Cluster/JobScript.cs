using System.Text;
using System.Text.RegularExpressions;

namespace Lottery.Cluster;

/// <summary>
/// An sbatch script that runs one lottery command as a job: an array with one task per replicate
/// (SLURM_ARRAY_TASK_ID becomes --replicate), or a single job (the report). The script is plain bash with
/// #SBATCH lines, written into the run directory's slurm/ folder, so it can be read, edited and resubmitted by hand.
/// <para>What the script does around the command: logs where and when it runs; on SIGUSR1 (sent
/// <see cref="SlurmResources.SignalSeconds"/> before the time limit) it sends lottery SIGTERM, which makes lottery
/// checkpoint at its next measurement and exit, then requeues the job, whose next attempt resumes from that
/// checkpoint; it records the exit status in slurm/status/ (read by `lottery show` when the scheduler has forgotten
/// the job and keeps no accounting).</para>
/// </summary>
/// <param name="Kind">The lottery command: find, oneshot, train, reinit, random-pruning, continued, report.</param>
/// <param name="RunDirectory">The run directory whose slurm/ folder holds the script, logs and status files.</param>
/// <param name="Tasks">Replicates, one array task each; null for a single job.</param>
/// <param name="Program">How to start lottery on a compute node (the program's path, or dotnet and the assembly).</param>
/// <param name="Arguments">The command's arguments, without --replicate and --threads (the script adds them).</param>
/// <param name="ThreadsGiven">The user chose --threads (in <paramref name="Arguments"/>): the script leaves it alone
/// rather than matching it to the CPUs Slurm allocates.</param>
/// <param name="Submitter">The command line that wrote the script, for the record.</param>
public sealed record JobScript(
    string Kind,
    string RunDirectory,
    string JobName,
    IReadOnlyList<int>? Tasks,
    SlurmResources Resources,
    string WorkingDirectory,
    IReadOnlyList<string> Program,
    IReadOnlyList<string> Arguments,
    bool ThreadsGiven,
    string Submitter,
    string Version)
{
    public string Directory => SlurmFolder(RunDirectory);
    public string Path => System.IO.Path.Combine(Directory, $"{Kind}.sbatch");
    public string LogPattern => System.IO.Path.Combine(Directory, "logs", Tasks is null ? $"{Kind}-%j.out" : $"{Kind}-%A_%a.out");

    public static string SlurmFolder(string runDirectory) => System.IO.Path.Combine(runDirectory, "slurm");

    /// <summary>The log file of one task (or of the single job when <paramref name="task"/> is null).</summary>
    public static string LogOf(string pattern, string jobId, int? task) =>
        pattern.Replace("%A", jobId).Replace("%a", task?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "").Replace("%j", jobId);

    public string Text()
    {
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append($"# Written by lottery {Version} on {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC for: {OneLine(Submitter)}\n");
        s.Append("# Submit it again with `sbatch` (or the same `lottery slurm` command): finished stages are skipped, an\n");
        s.Append("# interrupted one resumes from its checkpoint.\n");
        foreach (var option in SbatchLines()) s.Append("#SBATCH ").Append(option).Append('\n');
        s.Append('\n');
        s.Append("set -u\n");
        s.Append($"lottery=({string.Join(' ', Program.Select(Quote))})\n");
        s.Append($"status_dir={Quote(System.IO.Path.Combine(Directory, "status"))}\n");
        if (Tasks is not null)
        {
            s.Append("task=${SLURM_ARRAY_TASK_ID:?this script is a job array: submit it with sbatch}\n");
            s.Append("record=${SLURM_ARRAY_JOB_ID}_${task}\n");
        }
        else s.Append("record=${SLURM_JOB_ID:?submit this script with sbatch}\n");
        s.Append("attempt=$(( ${SLURM_RESTART_COUNT:-0} + 1 ))\n");
        s.Append($"echo \"lottery-slurm: {Kind} job ${{SLURM_JOB_ID}} ($record) on $(hostname), attempt $attempt, $(date -Iseconds)\"\n");
        s.Append("\n");
        s.Append("# SIGUSR1 (before the time limit): lottery checkpoints on SIGTERM; the job is requeued once it has exited.\n");
        s.Append("# SIGTERM (scancel, preemption): Slurm signals lottery itself; the script only records it.\n");
        s.Append("child=\"\"; requeue=0; terminated=0\n");
        s.Append("trap 'requeue=1; [ -n \"$child\" ] && kill -TERM \"$child\" 2>/dev/null' USR1\n");
        s.Append("trap 'terminated=1' TERM\n");
        var args = Arguments.Select(Quote).ToList();
        if (Tasks is not null) args.Add("--replicate \"$task\"");
        if (!ThreadsGiven) args.Add("--threads \"${SLURM_CPUS_PER_TASK:-1}\"");
        s.Append($"\"${{lottery[@]}}\" {string.Join(' ', args)} &\n");
        s.Append("child=$!\n");
        s.Append("# wait returns early when a trapped signal arrives: wait again until lottery has exited.\n");
        s.Append("while :; do wait \"$child\"; code=$?; kill -0 \"$child\" 2>/dev/null || break; done\n");
        s.Append("mkdir -p \"$status_dir\"\n");
        s.Append("printf 'exit=%s node=%s end=%s attempt=%s requeue=%s terminated=%s\\n' \"$code\" \"$(hostname)\" \"$(date -Iseconds)\" \"$attempt\" \"$requeue\" \"$terminated\" > \"$status_dir/.$record.tmp\"\n");
        s.Append("mv -f \"$status_dir/.$record.tmp\" \"$status_dir/$record\"\n");
        s.Append("if [ \"$requeue\" = 1 ] && [ \"$terminated\" = 0 ]; then\n");
        s.Append("  echo \"lottery-slurm: checkpointed before the time limit (exit $code); requeueing $SLURM_JOB_ID\"\n");
        s.Append("  scontrol requeue \"$SLURM_JOB_ID\"\n");
        s.Append("fi\n");
        s.Append("exit \"$code\"\n");
        return s.ToString();
    }

    IEnumerable<string> SbatchLines()
    {
        yield return $"--job-name={Directive(JobName)}";
        if (Tasks is not null) yield return $"--array={TaskList.Format(Tasks)}";
        yield return $"--output={Directive(LogPattern)}";
        yield return "--open-mode=append";
        yield return $"--chdir={Directive(WorkingDirectory)}";
        foreach (var o in Resources.SbatchOptions()) yield return o;
    }

    static string OneLine(string text) => text.Replace('\n', ' ').Replace('\r', ' ');

    /// <summary>A value of an #SBATCH line: sbatch splits those lines at white space unless the value is in double quotes.</summary>
    static string Directive(string value)
    {
        if (!value.Any(char.IsWhiteSpace)) return value;
        if (value.Contains('"')) throw new SlurmException($"'{value}' holds both white space and a double quote, which an #SBATCH line cannot carry: use a path without them");
        return $"\"{value}\"";
    }

    static readonly Regex Plain = new(@"^[A-Za-z0-9_@%+=:,./-]+$", RegexOptions.Compiled);

    /// <summary>A bash word for <paramref name="word"/>: unchanged when plain, else single-quoted.</summary>
    public static string Quote(string word) => word.Length > 0 && Plain.IsMatch(word) ? word : "'" + word.Replace("'", "'\\''") + "'";
}
