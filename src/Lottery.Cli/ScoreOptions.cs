using System.CommandLine;
using Lottery.Hparams;
using Lottery.Pruning.Scoring;

namespace Lottery.Cli;

/// <summary>
/// `--score NAME` and the flags of each score's own hyperparameters (on `lottery oneshot`). A score's flag given with
/// another score is refused: it would be silently ignored. The typed records of <see cref="ScoreRegistry"/> are the
/// source of truth; this class only maps flags onto them.
/// </summary>
public sealed class ScoreOptions
{
    public Option<string?> Score { get; } = Flags.Text("--score", "How weights are ranked: " +
        string.Join(", ", ScoreRegistry.All.Select(s => s.Name)) + " (magnitude, after training, is the paper's; the others prune at initialization)");
    public Option<int?> Batches { get; } = Flags.Integer("--score-batches", "snip: training batches whose gradients are summed (default 1: SNIP's single minibatch)", min: 1);
    public Option<int?> SamplesPerClass { get; } = Flags.Integer("--samples-per-class", "grasp: training examples of each class in its sample (default 10)", min: 1);
    public Option<double?> Temperature { get; } = Flags.Number("--temperature", "grasp: the logits are divided by it (default 200)");
    public Option<int?> Rounds { get; } = Flags.Integer("--rounds", "synflow: scoring rounds, each pruning a little more (default 100)", min: 1);
    public Option<string?> Schedule { get; } = Flags.Text("--schedule", "synflow: how the density falls over the rounds: exponential (default) or linear");

    public IEnumerable<Option> All => [Score, Batches, SamplesPerClass, Temperature, Rounds, Schedule];

    /// <summary>The score's hyperparameters from the flags, or null for the default score given no flag.</summary>
    public ScoreHparams? Build(ParseResult p)
    {
        bool Given(Option o) => p.GetResult(o) is { Implicit: false };
        var name = p.GetValue(Score);
        var score = name is null ? ScoreRegistry.Default : ScoreRegistry.Get(name);
        var owners = new (Option Option, string Score)[] { (Batches, "snip"), (SamplesPerClass, "grasp"), (Temperature, "grasp"), (Rounds, "synflow"), (Schedule, "synflow") };
        foreach (var (option, owner) in owners.Where(o => Given(o.Option) && o.Score != score.Name))
            throw new HparamsException($"{option.Name} applies to --score {owner}, not to {score.Name}");
        ScoreHparams h = score.Defaults switch
        {
            SnipHparams s => s with { Batches = p.GetValue(Batches) ?? s.Batches },
            GraspHparams g => g with { SamplesPerClass = p.GetValue(SamplesPerClass) ?? g.SamplesPerClass, Temperature = p.GetValue(Temperature) ?? g.Temperature },
            SynFlowHparams f => f with { Rounds = p.GetValue(Rounds) ?? f.Rounds, Schedule = p.GetValue(Schedule) ?? f.Schedule },
            var other => other,
        };
        return name is null ? null : h;
    }
}
