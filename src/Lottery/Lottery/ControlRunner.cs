using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Lottery;

/// <summary>
/// Attaches controls to a finished (or partly finished) iterative run without recomputing it: each control
/// reads the trunk level's saved mask and trains in RUN/replicate_R/level_L/controls/NAME.
/// </summary>
public sealed class ControlRunner(RunHandle run)
{
    readonly StageRunner _stages = new(run);
    readonly LotteryRunner _trunk = new(run);

    public IReadOnlyList<StageSummary> Run(ControlKind kind, IReadOnlyList<int> replicates, IReadOnlyList<int>? levels, int draws = 1)
    {
        if (run.Identity.Kind != RunKind.Lottery)
            throw new RunFileException($"controls attach to iterative runs (lottery_…); {run.Layout.Root} is a {run.Identity.Kind.Prefix()} run");
        if (draws < 1) throw new Hparams.HparamsException($"draws must be at least 1 (got {draws})");
        var work = new List<(int R, int Level, int Draw)>();
        foreach (var r in replicates)
        {
            var done = run.Layout.Levels(r).Where(l => l > 0 && File.Exists(Path.Combine(run.Layout.Level(r, l), "mask.tsr"))).ToList();
            if (done.Count == 0)
                throw new RunFileException($"replicate {r} of {run.Layout.Root} has no pruned level yet: run `lottery find` first");
            var chosen = levels is null ? done : levels.Where(done.Contains).ToList();
            var missing = levels?.Except(done).ToList() ?? [];
            if (missing.Count > 0)
                throw new RunFileException($"replicate {r} has no level {string.Join(", ", missing)} yet: extend the run with `lottery find --levels N` first");
            foreach (var level in chosen)
                for (int d = 1; d <= (kind == ControlKind.Reinit ? draws : 1); d++) work.Add((r, level, d));
        }
        // Locked only once every replicate and level asked for is known to be there: a refused command writes nothing.
        foreach (var r in replicates) run.Claim(r);
        var summaries = new List<StageSummary>();
        int index = 0;
        foreach (var (r, level, draw) in work)
            summaries.Add(RunOne(kind, r, level, draw, ++index, work.Count));
        return summaries;
    }

    StageSummary RunOne(ControlKind kind, int r, int level, int draw, int index, int count)
    {
        var trunkMask = WeightsIO.LoadMask(Path.Combine(run.Layout.Level(r, level), "mask.tsr"));
        var seeds = run.SeedsFor(r);
        switch (kind)
        {
            case ControlKind.Reinit:
                long seed = Seeds.Derive(run.Identity.Seed, "replicate", r, "reinit", level, draw);
                return _stages.Run(new StageRequest(run.Layout.Control(r, level, $"reinit_{draw}"),
                    $"replicate {r} level {level} reinit {draw}", () => run.DrawWeights(seed), trunkMask, seeds), index, count);
            case ControlKind.RandomPruning:
                var dir = run.Layout.Control(r, level, "random_pruning");
                var maskPath = Path.Combine(dir, "mask.tsr");
                var mask = File.Exists(maskPath) ? WeightsIO.LoadMask(maskPath)
                    : run.Pruner.RandomLike(trunkMask, Seeds.Derive(run.Identity.Seed, "replicate", r, "random_pruning", level));
                return _stages.Run(new StageRequest(dir, $"replicate {r} level {level} random pruning",
                    () => _trunk.RewindWeights(r), mask, seeds, run.RewindIteration), index, count);
            default:
                var previousFinal = Path.Combine(run.Layout.Level(r, level - 1), Trainer.FinalFile);
                if (StageSummary.TryLoad(run.Layout.Level(r, level - 1)) is null)
                    throw new RunFileException($"level {level - 1} of replicate {r} is not finished: run `lottery find` first");
                return _stages.Run(new StageRequest(run.Layout.Control(r, level, "continued"),
                    $"replicate {r} level {level} continued training", () => WeightsIO.LoadWeights(previousFinal), trunkMask, seeds), index, count);
        }
    }
}
