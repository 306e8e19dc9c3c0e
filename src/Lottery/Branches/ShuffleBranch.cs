using Lottery.Lottery;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Branches;

/// <summary>The "random shuffling" sanity check (Frankle et al. 2021): the stage's mask permuted at random within each
/// layer, so every layer keeps exactly its count and loses which weights were chosen; original initialization, from
/// the rewind point. Pruning at initialization is not hurt by it (only the per-layer densities matter); IMP is.</summary>
public sealed class ShuffleBranch : SingleStageBranch
{
    public override string Name => "shuffle";
    public override string Label => "layer-wise shuffle";
    public override string Description => "Sanity check: the stage's mask shuffled within each layer (same per-layer counts), original init";
    public override string Color => "#9467bd";
    public override bool SanityCheck => true;

    public override StageRequest Plan(BranchContext context, string instance)
    {
        var run = context.Run;
        var dir = Directory(context, instance);
        var mask = StageRunner.SavedOr(dir, () => context.Mask.ShuffledWithinTensors(Seeds.Derive(run.Identity.Seed, context.SeedKey(Name))));
        return new StageRequest(dir, context.Describe("shuffled"), () => context.Trunk.RewindWeights(context.Stage.Replicate),
            mask, context.Seeds, run.RewindIteration);
    }
}
