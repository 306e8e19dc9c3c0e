namespace Lottery.Lottery;

/// <summary>The paper's controls, each a branch beside a trunk level that reuses the level's mask.</summary>
public enum ControlKind
{
    /// <summary>The level's mask with weights drawn afresh from the initializer (several draws).</summary>
    Reinit,
    /// <summary>A random mask with the level's per-layer counts (layer-wise) or total (global), original init.</summary>
    RandomPruning,
    /// <summary>The level's mask on the previous level's trained weights: prune and keep training, no reset
    /// (the paper's Appendix B "strategy 2", as a branch of the trunk).</summary>
    Continued,
}
