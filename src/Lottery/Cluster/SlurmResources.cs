namespace Lottery.Cluster;

/// <summary>
/// What a job asks the scheduler for, as `sbatch` spells it. Null means "the cluster's default". Not part of any
/// run's identity: the same experiment on another partition is the same run.
/// </summary>
/// <param name="Time">Time limit in any form sbatch takes (30, 2:00:00, 1-12:00:00).</param>
/// <param name="SignalSeconds">Seconds before the time limit at which the job's script is sent SIGUSR1: lottery then
/// checkpoints at the next measurement and the script requeues the job, which resumes from the checkpoint.
/// 0 turns preemption handling off (no --signal, no --requeue).</param>
/// <param name="ExtraArgs">Further sbatch options, each one argument (e.g. "--qos=long", "--constraint=avx2").</param>
public sealed record SlurmResources(
    string? Partition = null,
    string? Time = null,
    int? CpusPerTask = null,
    string? Gpus = null,
    string? Mem = null,
    string? Account = null,
    IReadOnlyList<string>? ExtraArgs = null,
    int SignalSeconds = 120)
{
    /// <summary>The options as #SBATCH lines' arguments, in a fixed order.</summary>
    public IEnumerable<string> SbatchOptions()
    {
        if (Partition is not null) yield return $"--partition={Partition}";
        if (Account is not null) yield return $"--account={Account}";
        if (Time is not null) yield return $"--time={Time}";
        if (CpusPerTask is int c) yield return $"--cpus-per-task={c}";
        if (Mem is not null) yield return $"--mem={Mem}";
        if (Gpus is not null) yield return $"--gpus={Gpus}";
        if (SignalSeconds > 0)
        {
            yield return "--requeue";
            // B: the batch shell only; it forwards a SIGTERM to lottery and requeues once lottery has checkpointed.
            yield return $"--signal=B:USR1@{SignalSeconds}";
        }
        foreach (var a in ExtraArgs ?? []) yield return a;
    }
}
