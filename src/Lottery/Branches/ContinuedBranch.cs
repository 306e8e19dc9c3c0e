using Lottery.Lottery;
using Lottery.Pruning.Scoring;
using Lottery.Runs;

namespace Lottery.Branches;

/// <summary>Continued training (the paper's Appendix B "strategy 2"): the stage's mask over the weights it was pruned
/// from (the previous level's trained weights, or the dense network's for a one-shot target), trained on without a
/// reset.</summary>
public sealed class ContinuedBranch : SingleStageBranch
{
    public override string Name => "continued";
    public override string Label => "continued training";
    public override string Description => "Continued training: prune but keep training from the trained weights (no reset)";
    public override string Color => "#8c564b";

    public override string? Refuses(RunHandle run, StageLocation stage)
    {
        if (base.Refuses(run, stage) is { } why) return why;
        if (stage.Target is not null && !ScoreRegistry.Of(run.Hparams.Pruning).AfterTraining)
            return $"continued training starts from the weights a stage was pruned from, and a {ScoreRegistry.Of(run.Hparams.Pruning).Name} ticket was pruned before any training";
        return null;
    }

    public override StageRequest Plan(BranchContext context, string instance)
    {
        var run = context.Run;
        int r = context.Stage.Replicate;
        int from = context.Stage.Level is int l ? l - 1 : 0;
        var source = run.Layout.Level(r, from);
        if (StageSummary.TryLoad(source) is null)
            throw new RunFileException($"level {from} of replicate {r} is not finished: run `lottery {(context.Stage.Level is null ? "oneshot" : "find")}` first");
        return new StageRequest(Directory(context, instance), context.Describe("continued training"),
            () => WeightsIO.LoadWeights(Path.Combine(source, StageFiles.Final)), context.Mask, context.Seeds);
    }
}
