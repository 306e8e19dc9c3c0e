using System.Text.Json;
using Lottery.Hparams;
using Lottery.Pruning;
using Lottery.Pruning.Scoring;
using Lottery.Runs;

namespace Lottery.Lottery;

/// <summary>
/// The lottery procedure over an open run. Level 0 trains the dense network from θ0 (saving θk when rewinding);
/// level L prunes level L−1's trained weights, resets the survivors to θ0 (or θk) and trains again. One-shot
/// prunes straight to each target by the run's score: the dense trained weights' magnitude (the paper's), or a score
/// of pruning at initialization, which ranks θ0 (θk when rewinding) with no training first. Every stage is
/// idempotent on disk.
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
        if (levels < 0) throw new HparamsException($"levels must be 0 or more (got {levels})", "levels");
        int count = replicates.Count * (levels + 1), index = 0;
        var all = new List<IReadOnlyList<StageSummary>>();
        foreach (var r in replicates)
        {
            var summaries = new List<StageSummary> { Level0(r, ++index, count) };
            for (int level = 1; level <= levels; level++)
            {
                var dir = run.Layout.Level(r, level);
                int l = level;
                var mask = StageRunner.SavedOr(dir, () => Warned(LevelMask(r, l), $"replicate {r} level {l}"));
                summaries.Add(_stages.Run(new StageRequest(dir, Describe(r, $"level {level}"),
                    () => RewindWeights(r), mask, run.SeedsFor(r), run.RewindIteration), ++index, count));
            }
            all.Add(summaries);
        }
        return all;
    }

    /// <summary>Whether the one-shot run trains a dense level 0 first: for a score of trained weights, and to reach θk when
    /// rewinding; a score of pruning at initialization with no rewind needs no training before it prunes.</summary>
    public bool OneShotTrainsDense => ScoreRegistry.Of(run.Hparams.Pruning).AfterTraining || run.RewindIteration > 0;

    /// <summary>One-shot pruning: (train dense if the score needs it,) prune straight to each percent remaining by the run's
    /// score, reset, train.</summary>
    public IReadOnlyList<IReadOnlyList<StageSummary>> OneShot(IReadOnlyList<double> targets, IReadOnlyList<int> replicates)
    {
        // A layer-wise target that would leave a layer without a weight is known from the counts alone: refused before
        // anything is trained or written.
        foreach (var target in targets)
            if (run.Pruner.EmptiedAt(target) is { Count: > 0 } emptied)
                throw new HparamsException($"one-shot target {RunLayout.FormatPercent(target)}% would prune {string.Join(", ", emptied)} away entirely " +
                    "(layer-wise, each layer keeps its rate's share): choose a larger target, lower that layer's rate, or exclude it", "targets");
        bool dense = OneShotTrainsDense;
        int count = replicates.Count * (targets.Count + (dense ? 1 : 0)), index = 0;
        var all = new List<IReadOnlyList<StageSummary>>();
        foreach (var r in replicates)
        {
            var summaries = new List<StageSummary>();
            if (dense) summaries.Add(Level0(r, ++index, count));
            else run.Claim(r);
            foreach (var target in targets)
            {
                var dir = run.Layout.Target(r, target);
                var mask = StageRunner.SavedOr(dir, () => Warned(TargetMask(r, target), $"replicate {r} one-shot to {RunLayout.FormatPercent(target)}%"));
                summaries.Add(_stages.Run(new StageRequest(dir, Describe(r, $"one-shot to {RunLayout.FormatPercent(target)}%"),
                    () => RewindWeights(r), mask, run.SeedsFor(r), run.RewindIteration, Pruning: PruningRecord(r, target)), ++index, count));
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

    /// <summary>The mask of level <paramref name="level"/>: one round of magnitude pruning of level L−1's trained weights
    /// from level L−1's mask (inverted: the round keeps the smallest instead). Level L−1 must be finished.</summary>
    public Mask LevelMask(int r, int level, bool invert = false)
    {
        var previous = level == 1 ? Mask.Dense(run.PrunableTensors) : WeightsIO.LoadMask(Path.Combine(run.Layout.Level(r, level - 1), StageFiles.Mask));
        var scores = Scores.Magnitude(WeightsToPrune(r, level - 1), run.PrunableTensors.Select(t => t.Name));
        return run.Pruner.PruneRound(previous, invert ? scores.Inverted() : scores);
    }

    /// <summary>The mask of one-shot target <paramref name="target"/>: the run's score, from the dense mask, with the
    /// strategy's counts (inverted: keeping the lowest scores).</summary>
    public Mask TargetMask(int r, double target, bool invert = false)
    {
        var score = ScoreRegistry.Of(run.Hparams.Pruning);
        return score.Prune(ScoreContext(r, invert), ScoreRegistry.HparamsOf(run.Hparams.Pruning), run.Pruner, Mask.Dense(run.PrunableTensors), target);
    }

    /// <summary>What a score of replicate <paramref name="r"/> may look at (<see cref="Pruning.Scoring.ScoreContext"/>).</summary>
    public ScoreContext ScoreContext(int r, bool invert = false) => new()
    {
        CreateModel = run.CreateModel,
        Start = RewindWeights(r),
        Trained = () => WeightsToPrune(r, 0),
        Tensors = run.PrunableTensors,
        Train = () => run.Data.Train,
        BatchSize = run.Hparams.Dataset.BatchSize,
        Classes = run.Data.Shape.Classes,
        Seed = ScoreSeed(r),
        Invert = invert,
    };

    /// <summary>The seed of the score's random streams in replicate <paramref name="r"/> (the same for every target).</summary>
    public long ScoreSeed(int r) => Training.Seeds.Derive(run.Identity.Seed, "replicate", r, "score", ScoreRegistry.Of(run.Hparams.Pruning).Name);

    /// <summary>Where a one-shot target's mask came from, written beside it.</summary>
    PruningRecord PruningRecord(int r, double target) => new(ScoreRegistry.HparamsOf(run.Hparams.Pruning), run.Hparams.Pruning.Strategy,
        target, ScoreRegistry.Of(run.Hparams.Pruning).AfterTraining ? "level_0/final.tsr" : run.RewindIteration > 0 ? "level_0/capture.tsr" : "init.tsr", ScoreSeed(r));

    /// <summary>Says (once, when the mask is made) when pruning left a layer with no weight at all: such a layer passes
    /// nothing but its bias (layer collapse), which is rarely what was meant. The stage's summary records it too.</summary>
    public Mask Warned(Mask mask, string stage)
    {
        var empty = mask.EmptyTensors();
        if (empty.Count > 0)
            run.Environment.Observer.OnMessage($"warning: {stage} leaves {string.Join(", ", empty)} with 0% of its weights (layer collapse): " +
                "the layer passes only its bias; exclude it from pruning or lower its rate (layer rates) if that is not meant");
        return mask;
    }

    /// <summary>The trained weights of a finished level, to rank by magnitude. A diverged level's weights are NaN
    /// or infinite and rank nothing: the run stops there with one line saying so.</summary>
    IReadOnlyDictionary<string, float[]> WeightsToPrune(int r, int level)
    {
        var dir = run.Layout.Level(r, level);
        var summary = StageSummary.TryLoad(dir)
            ?? throw new RunFileException($"replicate {r} level {level} is not finished: its trained weights are what is pruned; run it first");
        if (summary.Outcome.DivergedAt is int at)
            throw new HparamsException($"replicate {r} level {level} diverged at iteration {at} (NaN or infinite loss): its weights cannot be " +
                "ranked for pruning, so no later level is trained; lower the learning rate or add a warmup and start a new run (`lottery show` has the results so far)", "training.lr");
        return WeightsIO.LoadWeights(Path.Combine(dir, StageFiles.Final));
    }

    /// <summary>θ0, or θk (saved by dense training at the rewind iteration) when rewinding.</summary>
    public IReadOnlyDictionary<string, float[]> RewindWeights(int r) => run.RewindIteration == 0
        ? run.InitialWeights(r)
        : WeightsIO.LoadWeights(Path.Combine(run.Layout.Level(r, 0), StageFiles.Capture));

    static string Describe(int r, string what) => $"replicate {r} {what}";
}

/// <summary>pruning.json of a one-shot target: the score and its hyperparameters, the strategy, what was scored and the
/// seed of the score's random streams: what the mask is a function of.</summary>
public sealed record PruningRecord(
    [property: System.Text.Json.Serialization.JsonConverter(typeof(ScoreHparamsConverter))] ScoreHparams Score,
    string Strategy, double TargetPercent, string Scored, long Seed)
{
    public void Save(string directory) =>
        AtomicFile.WriteAllText(Path.Combine(directory, StageFiles.Pruning), JsonSerializer.Serialize(this, RunManifest.Json) + "\n");
}
