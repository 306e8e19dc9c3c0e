namespace Lottery.Hparams;

/// <summary>What data a run trains on and how it is split and batched.</summary>
/// <param name="Dataset">Registry name: mnist, fashion-mnist, cifar10.</param>
/// <param name="BatchSize">Examples per training iteration.</param>
/// <param name="ValidationSize">Training examples held out for validation (the paper: 5,000).</param>
/// <param name="SplitSeed">Seed of the train/validation split; shared by all replicates so they see the same split.</param>
/// <param name="TrainSubset">Train on only this many of the remaining training examples (quick runs); null = all.</param>
/// <param name="Normalize">Per-channel standardisation with the training split's mean and std.</param>
/// <param name="Augment">Random horizontal flips and 4-pixel pad-and-crop of training batches (the deep CIFAR
/// networks' augmentation), seeded by (data seed, iteration).</param>
/// <param name="Content">Data supplied in code (the library API): a hash of its tensors, so that two different datasets
/// under one name never share a run directory. Null for the registry's datasets, whose files are checksummed.</param>
public sealed record DatasetHparams(
    string Dataset,
    int BatchSize,
    int ValidationSize = 5000,
    int SplitSeed = 0,
    int? TrainSubset = null,
    bool Normalize = true,
    bool Augment = false,
    string? Content = null)
{
    public Canonical ToCanonical() => new Canonical()
        .Add("dataset", Dataset)
        .Add("batch_size", BatchSize, 0)
        .Add("validation_size", ValidationSize, 5000)
        .Add("split_seed", SplitSeed, 0)
        .Add("train_subset", TrainSubset ?? 0, 0)
        .Add("normalize", Normalize, true)
        .Add("augment", Augment, false)
        .Add("content", Content);

    public void Validate()
    {
        if (BatchSize < 1) throw new HparamsException($"batch size must be at least 1 (got {BatchSize})");
        if (ValidationSize < 1)
            throw new HparamsException($"validation size must be at least 1 (got {ValidationSize}): early stopping needs a validation set (the paper holds out 5000)");
        if (TrainSubset is < 1) throw new HparamsException($"train subset must be at least 1 (got {TrainSubset})");
    }

    /// <summary>The examples training sees, given the dataset's <paramref name="datasetTrainCount"/> training examples;
    /// refuses a split or batch that does not fit, before anything is computed.</summary>
    public int TrainingExamples(string dataset, int datasetTrainCount)
    {
        Validate();
        if (ValidationSize >= datasetTrainCount)
            throw new HparamsException($"validation size {ValidationSize} leaves no training data ({dataset} has {datasetTrainCount} training examples)");
        int train = datasetTrainCount - ValidationSize;
        if (TrainSubset is int subset)
        {
            if (subset > train)
                throw new HparamsException($"train subset {subset} is larger than the {train} training examples left after validation: use at most {train}");
            train = subset;
        }
        if (BatchSize > train)
            throw new HparamsException($"batch size {BatchSize} is larger than the {train} training examples: use at most {train}");
        return train;
    }
}
