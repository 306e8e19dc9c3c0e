using System.Globalization;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Stability;
using Lottery.Training;

namespace Lottery.Branches;

/// <summary>
/// Instability analysis (Frankle, Dziugaite, Roy &amp; Carbin, ICML 2020, "Linear Mode Connectivity and the Lottery Ticket
/// Hypothesis"): from the stage's network at rewind point k (the dense network's weights after k iterations, θk, under
/// the stage's mask; θ0 for k = 0), two copies train to the end of the schedule with different SGD noise (data order,
/// augmentation and dropout from two seeds recorded with the branch), every other hyperparameter the stage's own; then
/// the linear path between their final weights is measured (<see cref="PathEvaluator"/>) and its error barrier is the
/// instability. Copy 1 uses the replicate's own data and dropout seeds, so where it starts where the stage itself started
/// (k is the run's own rewind point) it is the stage itself, trained once; copy 2's seeds depend on the replicate and k,
/// not on the level, so every sparsity sees the same two samples of SGD noise. θk for k above 0 comes from a stage that
/// trains the dense network from θ0 to k with the replicate's seeds (shared by every level), or from the run's own θk.
/// One instance per rewind point: STAGE/branches/stability_K/{copy_1, copy_2, path.json}.
/// </summary>
public sealed class StabilityBranch : Branch
{
    public override string Name => "stability";
    public override string Label => "instability analysis";
    public override string Description => "Instability analysis: two copies from θk with different SGD noise, and the error along the linear path between them";
    public override string Color => "#bcbd22";
    public override IReadOnlyList<string> Options => [BranchOptions.StabilityOptions];

    /// <summary>Every trunk stage, the dense network included.</summary>
    public override string? Refuses(RunHandle run, StageLocation stage) => null;

    static IReadOnlyList<string> RewindPoints(BranchOptions options) =>
        (options.RewindPoints is { Count: > 0 } points ? points : ["0it"]).Select(Canonical).Distinct().ToList();

    static string Canonical(string step)
    {
        // A bare number is iterations: 0 is 0it.
        if (step.Length > 0 && step.All(char.IsAsciiDigit)) step += "it";
        try { return Step.Parse(step).ToString(); }
        catch (FormatException e) { throw new HparamsException($"rewind point: {e.Message}", "branch.rewind_points"); }
    }

    public override IReadOnlyList<string> Instances(BranchOptions options) => RewindPoints(options).Select(k => $"{Name}_{k}").ToList();

    public override bool Owns(string directoryName)
    {
        if (!directoryName.StartsWith(Name + "_", StringComparison.Ordinal)) return false;
        try { Step.Parse(directoryName[(Name.Length + 1)..]); return true; }
        catch (FormatException) { return false; }
    }

    /// <summary>The rewind point of an instance directory: "500it" of stability_500it.</summary>
    public string RewindPointOf(string instance) => instance[(Name.Length + 1)..];

    public override void Validate(RunHandle run, BranchOptions options)
    {
        if (options.Points < 3)
            throw new HparamsException($"the path needs at least 3 points (the two endpoints and one between them; the paper uses 30): got {options.Points}", "branch.points");
        if (options.BatchNormStatistics is not ("interpolate" or "recompute"))
            throw new HparamsException($"unknown batch norm statistics '{options.BatchNormStatistics}': use interpolate or recompute", "branch.bn_statistics");
        if (!(options.Threshold > 0 && options.Threshold < 1))
            throw new HparamsException($"the stability threshold is an error in (0, 1) (the paper: 0.02): got {options.Threshold}", "branch.threshold");
        int train = run.Data.Train.Count;
        if (options.TrainExamples is int n && (n < 1 || n > train))
            throw new HparamsException($"train examples {n} is not between 1 and the {train} examples of the training split", "branch.train_examples");
        foreach (var k in RewindPoints(options))
            if (run.Plan.ToIterations(k) >= run.Plan.TotalIterations)
                throw new HparamsException($"rewind point {k} is not before the end of training ({run.Plan.TotalIterations} iterations): choose earlier points", "branch.rewind_points");
    }

    /// <summary>The seeds of copy <paramref name="copy"/> at rewind point <paramref name="k"/>: the replicate's own for copy 1.</summary>
    public static ReplicateSeeds CopySeeds(RunHandle run, int replicate, string k, int copy) => copy == 1
        ? run.SeedsFor(replicate)
        : new ReplicateSeeds(0,
            Seeds.Derive(run.Identity.Seed, "replicate", replicate, "stability", k, "copy", copy, "data"),
            Seeds.Derive(run.Identity.Seed, "replicate", replicate, "stability", k, "copy", copy, "dropout"));

    public override IReadOnlyList<StageSummary> Run(BranchContext context, string instance, BranchOptions options, int index, int count)
    {
        var run = context.Run;
        int r = context.Stage.Replicate;
        string k = RewindPointOf(instance);
        int kIter = run.Plan.ToIterations(k);
        var dir = Directory(context, instance);
        var stages = new StageRunner(run);
        var start = new Lazy<IReadOnlyDictionary<string, float[]>>(() => StartPoint(context, k, kIter, index, count));
        var summaries = new List<StageSummary>();
        var copies = new List<(CopyRecord Record, string Directory)>();
        for (int c = 1; c <= 2; c++)
        {
            var seeds = CopySeeds(run, r, k, c);
            string copyDir;
            if (c == 1 && kIter == run.RewindIteration && context.Stage.Level != 0 || c == 1 && kIter == 0 && context.Stage.Level == 0)
                copyDir = context.Stage.Directory;    // the stage itself started here with these seeds: it is copy 1
            else
            {
                copyDir = Path.Combine(dir, $"copy_{c}");
                // θk first (a stage of its own when it must be trained), so that the copy's progress is announced after it
                // and shown under the copy's name, not θk's.
                if (StageSummary.TryLoad(copyDir) is null) _ = start.Value;
                stages.Run(new StageRequest(copyDir, context.Describe($"stability at {k}, copy {c}"), () => start.Value, context.Mask, seeds, kIter), index, count);
            }
            summaries.Add(StageSummary.TryLoad(copyDir) ?? throw new RunFileException($"{copyDir} is not finished: run the command again"));
            copies.Add((new CopyRecord(Path.GetRelativePath(dir, copyDir), seeds.Data, seeds.Dropout), copyDir));
        }
        System.IO.Directory.CreateDirectory(dir);
        int trainExamples = options.TrainExamples ?? run.Data.Train.Count;
        var cached = InstabilityPath.TryLoad(dir);
        if (cached is not null)
        {
            if (cached.Points != options.Points || cached.BatchNormStatistics != options.BatchNormStatistics || cached.TrainExamples != trainExamples)
                throw new HparamsException($"{Path.Combine(dir, InstabilityPath.FileName)} was measured at {cached.Points} points on {cached.TrainExamples} training examples " +
                    $"with batch norm statistics {cached.BatchNormStatistics}: ask for the same, or delete the file to measure it again", "branch.points");
            return summaries;
        }
        var w1 = WeightsIO.LoadWeights(Path.Combine(copies[0].Directory, StageFiles.Final));
        var w2 = WeightsIO.LoadWeights(Path.Combine(copies[1].Directory, StageFiles.Final));
        var alphas = PathEvaluator.Alphas(options.Points);
        run.Environment.Observer.OnMessage($"{context.Describe($"stability at {k}")}: measuring the linear path at {options.Points} points");
        var (testError, testLoss, trainError, trainLoss) = PathEvaluator.Evaluate(run, w1, w2, context.Mask, alphas, trainExamples,
            options.BatchNormStatistics == "recompute");
        new InstabilityPath(k, kIter, options.Points, options.BatchNormStatistics, trainExamples, options.Threshold,
            copies.Select(c => c.Record).ToList(), alphas, testError, testLoss, trainError, trainLoss).Save(dir);
        return summaries;
    }

    /// <summary>θk: θ0, the run's own θk (captured by its dense level), or the dense network trained from θ0 to k.</summary>
    static IReadOnlyDictionary<string, float[]> StartPoint(BranchContext context, string k, int kIter, int index, int count)
    {
        var run = context.Run;
        int r = context.Stage.Replicate;
        if (kIter == 0) return run.InitialWeights(r);
        var capture = Path.Combine(run.Layout.Level(r, 0), StageFiles.Capture);
        if (kIter == run.RewindIteration && File.Exists(capture)) return WeightsIO.LoadWeights(capture);
        var dir = run.Layout.RewindPoint(r, k);
        // Shared by the stability branches of every stage of the replicate: trained by whichever comes first, under its own
        // lock; once finished, only read.
        if (StageSummary.TryLoad(dir) is null) run.ClaimBranch(dir);
        new StageRunner(run).Run(new StageRequest(dir, $"replicate {r} dense network to {k}", () => run.InitialWeights(r),
            Mask.Dense(run.PrunableTensors), run.SeedsFor(r), EndIteration: kIter), index, count);
        return WeightsIO.LoadWeights(Path.Combine(dir, StageFiles.Final));
    }
}
