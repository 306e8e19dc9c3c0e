using Lottery.Hparams;
using Lottery.Training;

namespace Lottery.Runs;

/// <summary>
/// What makes two runs the same run: the kind, the hyperparameters that change the result, the base seed and
/// the rewind point. Its hash names the run directory, so the same command finds its earlier work. What can
/// grow without changing the result (levels, one-shot targets, replicates, controls) is not part of it.
/// </summary>
public sealed record RunIdentity(RunKind Kind, ExperimentHparams Hparams, long Seed, string? Rewind)
{
    public Canonical ToCanonical()
    {
        var c = new Canonical()
            .Add("kind", Kind.Prefix())
            .Add("dataset", Hparams.Dataset.ToCanonical())
            .Add("model", Hparams.Model.ToCanonical())
            .Add("training", Hparams.Training.ToCanonical())
            .Add("seed", Seed, long.MinValue);
        if (Kind != RunKind.Train)
        {
            c.Add("pruning", Hparams.Pruning.ToCanonical());
            c.Add("rewind", Rewind is null ? null : Step.Parse(Rewind).ToString(), "0it");
        }
        return c;
    }

    public string Hash => ToCanonical().Hash();
    public string DirectoryName => $"{Kind.Prefix()}_{Hash}";
}
