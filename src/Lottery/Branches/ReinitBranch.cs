using Lottery.Lottery;
using Lottery.Training;

namespace Lottery.Branches;

/// <summary>The paper's random reinitialization: the stage's mask with weights drawn afresh from the initializer (a seed
/// per draw), trained from iteration 0. Also the "reinitialize" sanity check of pruning at initialization.</summary>
public sealed class ReinitBranch : SingleStageBranch
{
    public override string Name => "reinit";
    public override string Label => "random reinitialization";
    public override string Description => "Random reinitialization: the stage's mask with weights drawn afresh (seeded; --draws per stage)";
    public override string Color => "#d62728";
    public override bool SanityCheck => true;
    public override IReadOnlyList<string> Options => [BranchOptions.DrawsOption];

    public override IReadOnlyList<string> Instances(BranchOptions options) =>
        Enumerable.Range(1, options.Draws).Select(d => $"{Name}_{d}").ToList();

    public override StageRequest Plan(BranchContext context, string instance)
    {
        int draw = InstanceNumber(instance) ?? throw new ArgumentException($"'{instance}' is not a reinit draw", nameof(instance));
        long seed = Seeds.Derive(context.Run.Identity.Seed, [.. context.SeedKey(Name), draw]);
        return new StageRequest(Directory(context, instance), context.Describe($"reinit {draw}"),
            () => context.Run.DrawWeights(seed), context.Mask, context.Seeds);
    }
}
