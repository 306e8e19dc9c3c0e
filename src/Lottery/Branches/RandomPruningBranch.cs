using Lottery.Lottery;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Branches;

/// <summary>The paper's random pruning: a random mask with the stage's per-layer counts (layer-wise) or total (global),
/// on the original initialization, from the rewind point.</summary>
public sealed class RandomPruningBranch : SingleStageBranch
{
    public override string Name => "random_pruning";
    public override string Label => "random pruning";
    public override string Description => "Random pruning: a random mask with the stage's per-layer sparsity (layer-wise) or total (global), original init";
    public override string Color => "#7f7f7f";

    public override StageRequest Plan(BranchContext context, string instance)
    {
        var run = context.Run;
        var dir = Directory(context, instance);
        var mask = StageRunner.SavedOr(dir, () => run.Pruner.RandomLike(context.Mask, Seeds.Derive(run.Identity.Seed, context.SeedKey("random_pruning"))));
        return new StageRequest(dir, context.Describe("random pruning"), () => context.Trunk.RewindWeights(context.Stage.Replicate),
            mask, context.Seeds, run.RewindIteration);
    }
}
