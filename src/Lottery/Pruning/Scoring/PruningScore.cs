using Lottery.Hparams;

namespace Lottery.Pruning.Scoring;

/// <summary>
/// A way of scoring weights for pruning (an entry of <see cref="ScoreRegistry"/>): its name, its typed
/// hyperparameters, and how it turns a stage's context into scores. Pruning keeps the highest scores within the
/// groups of the run's strategy (<see cref="Pruner"/>), so every score works with layer-wise and global pruning alike.
/// A score that iterates (SynFlow's rounds) overrides <see cref="Prune"/>.
/// </summary>
public abstract class PruningScore
{
    /// <summary>The name used by --score, the manifest, show and the report.</summary>
    public abstract string Name { get; }
    /// <summary>One line for help texts and the README: what is scored, and after what.</summary>
    public abstract string Description { get; }
    /// <summary>Where the definition comes from (the paper and the reference code followed).</summary>
    public abstract string Source { get; }
    /// <summary>The score's hyperparameters at their defaults (the papers' values); also what JSON is read into.</summary>
    public abstract ScoreHparams Defaults { get; }
    /// <summary>True when the score ranks trained weights (magnitude after training): the dense network trains first.
    /// False for the scores of pruning at initialization, which rank the starting weights with no training.</summary>
    public virtual bool AfterTraining => false;
    /// <summary>The colour of this score's series in every report (hex).</summary>
    public abstract string Color { get; }

    /// <summary>The score of every prunable weight (higher is kept), given the mask so far.</summary>
    public abstract Scores Score(ScoreContext context, ScoreHparams hparams, Mask current);

    /// <summary>The mask at <paramref name="percentRemaining"/>: one scoring, then the strategy's selection.</summary>
    public virtual Mask Prune(ScoreContext context, ScoreHparams hparams, Pruner strategy, Mask current, double percentRemaining) =>
        strategy.PruneTo(current, context.Oriented(Score(context, hparams, current)), percentRemaining);

    /// <summary>The hyperparameters as this score's own record, refusing another score's.</summary>
    protected T Own<T>(ScoreHparams hparams) where T : ScoreHparams => hparams as T
        ?? throw new HparamsException($"score {Name} was given the hyperparameters of score {hparams.Name}");
}
