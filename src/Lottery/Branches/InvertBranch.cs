using Lottery.Lottery;
using Lottery.Runs;

namespace Lottery.Branches;

/// <summary>The "score inversion" sanity check (Frankle et al. 2021): the stage's pruning redone keeping the
/// lowest-scored weights instead of the highest, with the same counts per group; original initialization, from the
/// rewind point. For a one-shot target the whole pruning is redone with the scores negated (every round of SynFlow);
/// for a level of iterative pruning, its last round (from the previous level's mask).</summary>
public sealed class InvertBranch : SingleStageBranch
{
    public override string Name => "invert";
    public override string Label => "inverted scores";
    public override string Description => "Sanity check: the stage's pruning redone keeping the lowest scores instead of the highest, original init";
    public override string Color => "#17becf";
    public override bool SanityCheck => true;

    public override StageRequest Plan(BranchContext context, string instance)
    {
        var run = context.Run;
        var dir = Directory(context, instance);
        var trunk = context.Trunk;
        int r = context.Stage.Replicate;
        var mask = StageRunner.SavedOr(dir, () => context.Stage.Level is int level ? trunk.LevelMask(r, level, invert: true)
            : trunk.TargetMask(r, context.Stage.Target!.Value, invert: true));
        return new StageRequest(dir, context.Describe("inverted"), () => trunk.RewindWeights(r), mask, context.Seeds, run.RewindIteration);
    }
}
