namespace Lottery.Pruning.Scoring;

/// <summary>No hyperparameters.</summary>
public sealed record MagnitudeHparams : ScoreHparams
{
    public override string Name => "magnitude";
}

/// <summary>|θ| of the dense network after training: the paper's criterion (and IMP's, round by round, in `find`).</summary>
public sealed class MagnitudeScore : PruningScore
{
    public override string Name => "magnitude";
    public override string Description => "|θ| after training the dense network (the paper's; iteratively through `find`)";
    public override string Source => "Frankle & Carbin 2019; Han et al. 2015";
    public override ScoreHparams Defaults { get; } = new MagnitudeHparams();
    public override bool AfterTraining => true;
    public override string Color => "#2ca02c";

    public override Scores Score(ScoreContext context, ScoreHparams hparams, Mask current)
    {
        Own<MagnitudeHparams>(hparams);
        return Scores.Magnitude(context.Trained(), context.Tensors.Select(t => t.Name));
    }
}

/// <summary>No hyperparameters.</summary>
public sealed record MagnitudeInitHparams : ScoreHparams
{
    public override string Name => "magnitude_init";
}

/// <summary>|θ0|: magnitude at initialization, the baseline of Frankle et al. 2021 (Synaptic-Flow's `mag` pruner).</summary>
public sealed class MagnitudeInitScore : PruningScore
{
    public override string Name => "magnitude_init";
    public override string Description => "|θ0| at initialization, no training first";
    public override string Source => "Frankle et al. 2021 (baseline); ganguli-lab/Synaptic-Flow Pruners.Mag";
    public override ScoreHparams Defaults { get; } = new MagnitudeInitHparams();
    public override string Color => "#bcbd22";

    public override Scores Score(ScoreContext context, ScoreHparams hparams, Mask current)
    {
        Own<MagnitudeInitHparams>(hparams);
        return Scores.Magnitude(context.Start, context.Tensors.Select(t => t.Name));
    }
}
