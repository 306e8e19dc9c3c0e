using System.CommandLine;

namespace Lottery.Cli.Commands;

/// <summary>
/// `lottery slurm COMMAND …`: the local commands as Slurm jobs over a shared run directory. Each subcommand takes every
/// flag of its local command (forwarded to the jobs unchanged) plus Slurm's (--partition, --time, --cpus-per-task,
/// --gpus, --mem, --account, --sbatch-arg, --signal-before, --dry-run).
/// </summary>
public static class SlurmCommand
{
    public static Command Create()
    {
        var command = new Command("slurm", "Run experiments as Slurm jobs: job arrays over replicates, controls and the report as dependent jobs");
        command.Subcommands.Add(LotteryCommands.Find(new SlurmFlags(chains: true)));
        command.Subcommands.Add(LotteryCommands.OneShot(new SlurmFlags(chains: true)));
        command.Subcommands.Add(TrainCommand.Create(new SlurmFlags(chains: true)));
        foreach (var c in BranchCommands.Create(slurm: true)) command.Subcommands.Add(c);
        command.Subcommands.Add(ReportCommand.Create(new SlurmFlags(chains: false)));
        command.Subcommands.Add(ReproduceCommand.Create(new SlurmFlags(chains: false)));
        return command;
    }
}
