namespace Lottery.Hparams;

/// <summary>Everything that defines a network's training and pruning: what a preset names and a run hashes.</summary>
public sealed record ExperimentHparams(
    DatasetHparams Dataset,
    ModelHparams Model,
    TrainingHparams Training,
    PruningHparams Pruning)
{
    public void Validate()
    {
        Dataset.Validate();
        Model.Validate();
        Training.Validate();
        Pruning.Validate();
    }

    /// <summary>The identity of a dense training run (pruning does not matter to it).</summary>
    public Canonical TrainingCanonical(long seed) => new Canonical()
        .Add("dataset", Dataset.ToCanonical())
        .Add("model", Model.ToCanonical())
        .Add("training", Training.ToCanonical())
        .Add("seed", seed, long.MinValue);
}
