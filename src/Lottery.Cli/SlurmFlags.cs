using System.CommandLine;
using System.Text.RegularExpressions;
using Lottery.Cluster;
using Lottery.Hparams;

namespace Lottery.Cli;

/// <summary>
/// The flags of `lottery slurm COMMAND`: what each job asks the scheduler for, --dry-run, and (on the commands that
/// start an experiment) the controls and report to chain after it. Added to a copy of the local command, so every
/// flag of the local command is accepted and forwarded to the jobs unchanged.
/// </summary>
public sealed partial class SlurmFlags
{
    public Option<string?> Partition { get; } = Flags.Text("--partition", "Slurm partition (default: the cluster's)");
    public Option<string?> Time { get; } = Flags.Text("--time", "Time limit per task, as sbatch takes it: 30, 4:00:00, 1-12:00:00");
    public Option<int?> CpusPerTask { get; } = Flags.Integer("--cpus-per-task", "CPUs per task; lottery uses that many threads (default: Slurm's, 1)", min: 1);
    public Option<string?> Gpus { get; } = Flags.Text("--gpus", "GPUs per task, e.g. 1 or a100:1 (needs a CUDA build; README: On a GPU)");
    public Option<string?> Mem { get; } = Flags.Text("--mem", "Memory per node, e.g. 8G");
    public Option<string?> Account { get; } = Flags.Text("--account", "Account to charge");
    public Option<string[]> SbatchArg { get; } = new("--sbatch-arg") { Description = "Any further sbatch option, repeatable, e.g. --sbatch-arg=--qos=long", AllowMultipleArgumentsPerToken = false };
    public Option<int> SignalBefore { get; } = Flags.Integer("--signal-before", "Seconds before the time limit at which a task checkpoints and requeues itself (Slurm may signal up to 30 s earlier; 0: never)", 120, min: 0);
    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Print the job scripts and the sbatch commands; submit and write nothing" };

    /// <summary>Only on find, oneshot and train: what to chain after the experiment's array.</summary>
    public Option<string?> Controls { get; } = Flags.Text("--controls", "Branches to run after each replicate's stages, as dependent arrays: " +
        string.Join(", ", global::Lottery.Branches.BranchRegistry.All.Select(b => b.Name)) + " (comma-separated; find and oneshot)");
    public Option<int> Draws { get; } = Flags.Integer("--draws", "Reinitializations per level of a chained reinit control (the paper uses 3)", 1, min: 1);
    public Option<string?> Report { get; } = Flags.Text("--report", "Write the report of the run into this directory as a final job, after all others end");

    public bool Chains { get; }

    public SlurmFlags(bool chains) => Chains = chains;

    public IEnumerable<Option> All => Chains
        ? [Partition, Time, CpusPerTask, Gpus, Mem, Account, SbatchArg, SignalBefore, DryRun, Controls, Draws, Report]
        : [Partition, Time, CpusPerTask, Gpus, Mem, Account, SbatchArg, SignalBefore, DryRun];

    /// <summary>The resources, checked the way sbatch would check them, so a typo fails here rather than in the queue.</summary>
    public SlurmResources Resources(ParseResult p)
    {
        var time = p.GetValue(Time);
        if (time is not null && !TimeFormat().IsMatch(time))
            throw new HparamsException($"--time '{time}' is not a Slurm time: write minutes (30), H:MM:SS (4:00:00) or D-HH:MM:SS (1-12:00:00)");
        var mem = p.GetValue(Mem);
        if (mem is not null && !MemFormat().IsMatch(mem))
            throw new HparamsException($"--mem '{mem}' is not a Slurm size: write e.g. 8G, 16000M or 8000");
        var gpus = p.GetValue(Gpus);
        if (gpus is not null && !GpuFormat().IsMatch(gpus))
            throw new HparamsException($"--gpus '{gpus}' is not a GPU count: write e.g. 1 or a100:1");
        var extra = p.GetValue(SbatchArg) ?? [];
        foreach (var a in extra)
        {
            if (!a.StartsWith('-') || a.Contains('\n'))
                throw new HparamsException($"--sbatch-arg '{a}' is not an sbatch option: write it whole, e.g. --sbatch-arg=--qos=long");
            var name = a.Split('=')[0];
            if (name is "--array" or "-a" or "--output" or "-o" or "--error" or "-e" or "--job-name" or "-J" or "--chdir" or "-D" or "--dependency" or "-d" or "--signal" or "--open-mode")
                throw new HparamsException($"--sbatch-arg {name}: lottery sets {name} itself (arrays, logs and dependencies are how it runs): leave it out");
        }
        foreach (var (o, v) in new[] { (Partition, p.GetValue(Partition)), (Account, p.GetValue(Account)) })
            if (v is not null && v.Any(char.IsWhiteSpace)) throw new HparamsException($"{o.Name} '{v}' contains a space: give the name alone");
        return new SlurmResources(p.GetValue(Partition), time, p.GetValue(CpusPerTask), gpus, mem, p.GetValue(Account), extra, p.GetValue(SignalBefore));
    }

    /// <summary>The chained branches named by --controls (registry names; old spellings accepted), each once, in the order given.</summary>
    public IReadOnlyList<string> ControlList(ParseResult p)
    {
        if (!Chains || p.GetValue(Controls) is not { } text) return [];
        var names = string.Join(", ", global::Lottery.Branches.BranchRegistry.All.Select(b => b.Name));
        var list = new List<string>();
        foreach (var c in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string name;
            try { name = Commands.BranchCommands.Named(c).Name; }
            catch (HparamsException) { throw new HparamsException($"--controls: unknown branch '{c}': use {names}"); }
            if (!list.Contains(name)) list.Add(name);
        }
        if (list.Count == 0) throw new HparamsException($"--controls names no branch: use {names}");
        return list;
    }

    [GeneratedRegex(@"^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|infinite|unlimited)$")]
    private static partial Regex TimeFormat();

    [GeneratedRegex(@"^\d+[KMGT]?$")]
    private static partial Regex MemFormat();

    [GeneratedRegex(@"^([A-Za-z0-9_.-]+:)?\d+$")]
    private static partial Regex GpuFormat();
}
