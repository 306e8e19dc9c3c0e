using Lottery.Hparams;

namespace Lottery.Training;

/// <summary>Training hyperparameters resolved against a dataset size: every step string as an iteration.</summary>
public sealed record TrainingPlan(
    TrainingHparams Hparams,
    int BatchSize,
    int TrainCount,
    int IterationsPerEpoch,
    int TotalIterations,
    LearningRateSchedule Schedule,
    bool Augment = false)
{
    public static TrainingPlan Create(TrainingHparams hparams, int batchSize, int trainCount)
    {
        hparams.Validate();
        int perEpoch = (trainCount + batchSize - 1) / batchSize;
        int Iterations(string step, string what)
        {
            try { return Step.Parse(step).ToIterations(perEpoch); }
            catch (OverflowException)
            {
                throw new HparamsException($"{what} '{step}' is more than {int.MaxValue:N0} iterations ({perEpoch} per epoch): give a shorter one");
            }
        }
        int total = Iterations(hparams.Iterations, "training length");
        if (total < 1) throw new HparamsException($"training length '{hparams.Iterations}' is zero iterations: give at least 1it");
        int warmup = hparams.Warmup is null ? 0 : Iterations(hparams.Warmup, "warmup");
        if (warmup > total)
            throw new HparamsException($"warmup '{hparams.Warmup}' ({warmup} iterations) is longer than training ({total} iterations): shorten the warmup or lengthen training", "training.warmup");
        var milestones = hparams.MilestoneList.Select(m => Iterations(m, "milestone")).ToList();
        foreach (var (m, it) in hparams.MilestoneList.Zip(milestones))
            if (it < 1 || it >= total)
                throw new HparamsException($"milestone '{m}' ({it} iterations) is not inside training (1..{total - 1}): it would never apply; drop it or lengthen training", "training.milestones");
        return new TrainingPlan(hparams, batchSize, trainCount, perEpoch, total,
            new LearningRateSchedule(hparams.Lr, warmup, milestones, hparams.Gamma));
    }

    /// <summary>The plan a run of <paramref name="hparams"/> gets on a dataset with <paramref name="datasetTrainCount"/>
    /// training examples: everything about the schedule checked before any data is loaded.</summary>
    public static TrainingPlan For(ExperimentHparams hparams, int datasetTrainCount) =>
        Create(hparams, hparams.Dataset.TrainingExamples(hparams.Dataset.Dataset, datasetTrainCount));

    /// <summary>The plan of an experiment whose training split holds <paramref name="trainCount"/> examples.</summary>
    public static TrainingPlan Create(ExperimentHparams hparams, int trainCount) =>
        Create(hparams.Training, hparams.Dataset.BatchSize, trainCount) with { Augment = hparams.Dataset.Augment };

    /// <summary>A step as iterations, refusing what overflows.</summary>
    public int ToIterations(string step)
    {
        try { return Step.Parse(step).ToIterations(IterationsPerEpoch); }
        catch (OverflowException) { throw new HparamsException($"step '{step}' is more than {int.MaxValue:N0} iterations"); }
        catch (FormatException e) { throw new HparamsException(e.Message); }
    }

    /// <summary>The fused SIMD pass for an arena in host memory, the whole-arena tensor operations otherwise.</summary>
    public IOptimizer CreateOptimizer(ParameterArena arena) => (Hparams.Optimizer, arena.OnHost) switch
    {
        ("adam", true) => new AdamOptimizer(arena, weightDecay: Hparams.WeightDecay),
        ("adam", false) => new TensorAdamOptimizer(arena, weightDecay: Hparams.WeightDecay),
        ("sgd", true) => new SgdOptimizer(arena, Hparams.Momentum, Hparams.Nesterov, Hparams.WeightDecay),
        ("sgd", false) => new TensorSgdOptimizer(arena, Hparams.Momentum, Hparams.Nesterov, Hparams.WeightDecay),
        _ => throw new HparamsException($"unknown optimizer '{Hparams.Optimizer}'"),
    };
}
