using Lottery.Hparams;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Lottery;

/// <summary>
/// The lottery procedure over an open run. Level 0 trains the dense network from θ0 (saving θk when rewinding);
/// level L prunes level L−1's trained weights, resets the survivors to θ0 (or θk) and trains again. One-shot
/// prunes the dense trained weights straight to each target. Every stage is idempotent on disk.
/// </summary>
public sealed class LotteryRunner(RunHandle run)
{
    readonly StageRunner _stages = new(run);

    /// <summary>Dense training only (the `train` command): level 0 of each replicate.</summary>
    public IReadOnlyList<StageSummary> Train(IReadOnlyList<int> replicates) =>
        replicates.Select((r, i) => Level0(r, i + 1, replicates.Count)).ToList();

    /// <summary>Iterative pruning: levels 0..<paramref name="levels"/> of each replicate; extends a run that has fewer.</summary>
    public IReadOnlyList<IReadOnlyList<StageSummary>> Find(int levels, IReadOnlyList<int> replicates)
    {
        if (levels < 0) throw new HparamsException($"levels must be 0 or more (got {levels})");
        int count = replicates.Count * (levels + 1), index = 0;
        var all = new List<IReadOnlyList<StageSummary>>();
        foreach (var r in replicates)
        {
            var summaries = new List<StageSummary> { Level0(r, ++index, count) };
            var mask = Mask.Dense(run.PrunableTensors);
            for (int level = 1; level <= levels; level++)
            {
                mask = MaskOfLevel(r, level, mask);
                summaries.Add(_stages.Run(new StageRequest(run.Layout.Level(r, level), Describe(r, $"level {level}"),
                    () => RewindWeights(r), mask, run.SeedsFor(r), run.RewindIteration), ++index, count));
            }
            all.Add(summaries);
        }
        return all;
    }

    /// <summary>One-shot pruning: train dense, prune straight to each percent remaining, reset, train.</summary>
    public IReadOnlyList<IReadOnlyList<StageSummary>> OneShot(IReadOnlyList<double> targets, IReadOnlyList<int> replicates)
    {
        int count = replicates.Count * (targets.Count + 1), index = 0;
        var all = new List<IReadOnlyList<StageSummary>>();
        foreach (var r in replicates)
        {
            var summaries = new List<StageSummary> { Level0(r, ++index, count) };
            var dense = Mask.Dense(run.PrunableTensors);
            // The dense trained weights are read once per replicate, and only if some target still needs its mask.
            var trained = new Lazy<IReadOnlyDictionary<string, float[]>>(() => WeightsToPrune(r, 0));
            foreach (var target in targets)
            {
                var dir = run.Layout.Target(r, target);
                var maskPath = Path.Combine(dir, "mask.tsr");
                var mask = File.Exists(maskPath) ? WeightsIO.LoadMask(maskPath)
                    : Warned(run.Pruner.PruneTo(dense, trained.Value, target), $"replicate {r} one-shot to {target}%");
                summaries.Add(_stages.Run(new StageRequest(dir, Describe(r, $"one-shot to {target}%"),
                    () => RewindWeights(r), mask, run.SeedsFor(r), run.RewindIteration), ++index, count));
            }
            all.Add(summaries);
        }
        return all;
    }

    StageSummary Level0(int r, int index, int count)
    {
        run.Claim(r);
        int rewind = run.Identity.Kind == RunKind.Train ? 0 : run.RewindIteration;
        return _stages.Run(new StageRequest(run.Layout.Level(r, 0), Describe(r, "level 0 (dense)"),
            () => run.InitialWeights(r), Mask.Dense(run.PrunableTensors), run.SeedsFor(r),
            CaptureIteration: rewind > 0 ? rewind : null), index, count);
    }

    /// <summary>The mask of a level: read from disk if saved, else pruned from the previous level's final weights.
    /// Computing it needs the previous level finished, which the caller guarantees by running levels in order.</summary>
    Mask MaskOfLevel(int r, int level, Mask previous)
    {
        var path = Path.Combine(run.Layout.Level(r, level), "mask.tsr");
        return File.Exists(path) ? WeightsIO.LoadMask(path) : Warned(run.Pruner.PruneRound(previous, WeightsToPrune(r, level - 1)), $"replicate {r} level {level}");
    }

    /// <summary>Says (once, when the mask is made) when pruning left a layer with no weight at all: such a layer passes
    /// nothing but its bias, which is rarely what was meant (global pruning of a layer whose weights are all small).</summary>
    Mask Warned(Mask mask, string stage)
    {
        var empty = mask.EmptyTensors();
        if (empty.Count > 0)
            run.Environment.Observer.OnMessage($"warning: {stage} leaves {string.Join(", ", empty)} with 0% of its weights: " +
                "the layer passes only its bias; exclude it from pruning or lower its rate (layer rates) if that is not meant");
        return mask;
    }

    /// <summary>The trained weights of a finished level, to rank by magnitude. A diverged level's weights are NaN
    /// or infinite and rank nothing: the run stops there with one line saying so.</summary>
    IReadOnlyDictionary<string, float[]> WeightsToPrune(int r, int level)
    {
        var dir = run.Layout.Level(r, level);
        if (StageSummary.TryLoad(dir)?.Outcome.DivergedAt is int at)
            throw new HparamsException($"replicate {r} level {level} diverged at iteration {at} (NaN or infinite loss): its weights cannot be " +
                "ranked for pruning, so no later level is trained; lower --lr or add --warmup and start a new run (`lottery show` has the results so far)");
        return WeightsIO.LoadWeights(Path.Combine(dir, Trainer.FinalFile));
    }

    /// <summary>θ0, or θk (saved by dense training at the rewind iteration) when rewinding.</summary>
    public IReadOnlyDictionary<string, float[]> RewindWeights(int r) => run.RewindIteration == 0
        ? run.InitialWeights(r)
        : WeightsIO.LoadWeights(Path.Combine(run.Layout.Level(r, 0), Trainer.CaptureFile));

    static string Describe(int r, string what) => $"replicate {r} {what}";
}
