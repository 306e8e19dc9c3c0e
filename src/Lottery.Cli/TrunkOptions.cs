using System.CommandLine;
using Lottery.Hparams;

namespace Lottery.Cli;

/// <summary>The flags of a trunk command (find, oneshot) that decide which run it is: the experiment's hyperparameters,
/// the pruning score (one-shot), the seed and the rewind point.</summary>
public sealed class TrunkOptions(bool withScores)
{
    public ExperimentOptions Experiment { get; } = new();
    public ScoreOptions? Scores { get; } = withScores ? new ScoreOptions() : null;
    public Option<long> Seed { get; } = Flags.Long("--seed", "Base seed of every random stream", 0);
    public Option<string?> Rewind { get; } = Flags.Text("--rewind", "Reset survivors to their weights after this step of dense training (late resetting), e.g. 500it");

    public IEnumerable<Option> All => Experiment.All.Append(Seed).Append(Rewind).Concat(Scores?.All ?? []);

    public (ExperimentHparams Hparams, long Seed, string? Rewind) Build(ParseResult p)
    {
        var hparams = Experiment.Build(p);
        if (Scores?.Build(p) is { } score) hparams = hparams with { Pruning = hparams.Pruning with { Score = score } };
        return (hparams, p.GetValue(Seed), p.GetValue(Rewind));
    }
}
