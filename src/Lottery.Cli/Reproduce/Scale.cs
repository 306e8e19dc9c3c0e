using Lottery.Hparams;

namespace Lottery.Cli.Reproduce;

/// <summary>How big a recipe runs: the paper's own setup, a stated shortening for a CPU, or a smoke test.</summary>
public sealed record Scale(string Name, string Description)
{
    public static readonly Scale Paper = new("paper", "the paper's setup: its schedules, its pruning rounds, 5 replicates (a GPU's work for the CIFAR networks)");
    public static readonly Scale Cpu = new("cpu", "a stated shortening per recipe that keeps the figure's point, within 3 hours on a 2-core machine");
    public static readonly Scale Smoke = new("smoke", "minutes: a few hundred iterations on a slice of the data, to check the pipeline end to end (the numbers mean nothing)");

    public static readonly IReadOnlyList<Scale> All = [Paper, Cpu, Smoke];

    public static Scale Parse(string text) => All.FirstOrDefault(s => s.Name == text)
        ?? throw new HparamsException($"unknown scale '{text}': the scales are {string.Join(", ", All.Select(s => s.Name))}");

    public override string ToString() => Name;
}
