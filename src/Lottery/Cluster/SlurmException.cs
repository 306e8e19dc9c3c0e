namespace Lottery.Cluster;

/// <summary>A Slurm command that is missing or refused what was asked: one line naming the command, its message and the fix.</summary>
public sealed class SlurmException(string message) : Exception(message);
