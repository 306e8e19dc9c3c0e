using Lottery.Hparams;

namespace Lottery.Training;

/// <summary>Training hyperparameters resolved against a dataset size: every step string as an iteration.</summary>
public sealed record TrainingPlan(
    TrainingHparams Hparams,
    int BatchSize,
    int TrainCount,
    int IterationsPerEpoch,
    int TotalIterations,
    LearningRateSchedule Schedule)
{
    public static TrainingPlan Create(TrainingHparams hparams, int batchSize, int trainCount)
    {
        hparams.Validate();
        int perEpoch = (trainCount + batchSize - 1) / batchSize;
        int total = Step.Parse(hparams.Iterations).ToIterations(perEpoch);
        if (total < 1) throw new HparamsException($"training length '{hparams.Iterations}' is zero iterations");
        int warmup = hparams.Warmup is null ? 0 : Step.Parse(hparams.Warmup).ToIterations(perEpoch);
        var milestones = hparams.MilestoneList.Select(m => Step.Parse(m).ToIterations(perEpoch)).ToList();
        return new TrainingPlan(hparams, batchSize, trainCount, perEpoch, total,
            new LearningRateSchedule(hparams.Lr, warmup, milestones, hparams.Gamma));
    }

    public int ToIterations(string step) => Step.Parse(step).ToIterations(IterationsPerEpoch);

    public IOptimizer CreateOptimizer(ParameterArena arena) => Hparams.Optimizer switch
    {
        "adam" => new AdamOptimizer(arena, weightDecay: Hparams.WeightDecay),
        "sgd" => new SgdOptimizer(arena, Hparams.Momentum, Hparams.Nesterov, Hparams.WeightDecay),
        _ => throw new HparamsException($"unknown optimizer '{Hparams.Optimizer}'"),
    };
}
