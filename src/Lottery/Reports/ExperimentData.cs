using Lottery.Branches;
using Lottery.Pruning.Scoring;
using Lottery.Lottery;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Reports;

/// <summary>
/// Everything a report needs from one run directory: its manifest and every finished stage of every replicate
/// (levels, one-shot targets, controls). An experiment still running is read as far as it got: unfinished stages
/// are listed, not guessed at. Damaged files are errors naming the file and the fix.
/// </summary>
/// <param name="Paths">The experiment's instability analyses (stability branches whose path is measured).</param>
public sealed record ExperimentData(string Run, string Directory, RunManifest Manifest, IReadOnlyList<StageRecord> Stages,
    int Replicates, IReadOnlyList<string> Unfinished, bool Running, IReadOnlyList<PathRecord> Paths)
{
    /// <summary>Set by <see cref="Report.Build"/> so experiments side by side have distinct names.</summary>
    public string Label { get; set; } = "";

    public string Model => Manifest.Hparams.Model.Model;
    public string Dataset => Manifest.Hparams.Dataset.Dataset;

    /// <summary>The procedure in words: "iterative, reset to θ0", "iterative, rewound to 500it", "one-shot", "dense".</summary>
    public string Procedure => Manifest.Kind switch
    {
        "lottery" => Manifest.Rewind is { } k ? $"iterative, rewound to {k}" : "iterative, reset to θ0",
        "oneshot" => (Score!.AfterTraining ? "one-shot" : $"one-shot {Score.Name} at initialization") + (Manifest.Rewind is { } k ? $", rewound to {k}" : "") +
                     (Score.AfterTraining ? "" : Manifest.Hparams.Pruning.Strategy == "global" ? ", global" : ", layer-wise"),
        _ => "dense training",
    };

    /// <summary>The method in a word or two, for legends that compare methods: "IMP", "IMP rewound to 500it", "one-shot
    /// magnitude", or the score of pruning at initialization ("snip"), with the strategy when it is not the run's preset's.</summary>
    public string Method => Manifest.Kind switch
    {
        "lottery" => Manifest.Rewind is { } k ? $"IMP rewound to {k}" : "IMP",
        "oneshot" => (Score!.AfterTraining ? "one-shot magnitude" : Score.Name) + (Manifest.Rewind is { } k ? $" at {k}" : ""),
        _ => "dense",
    };

    public bool InProgress => Running || Unfinished.Count > 0;

    /// <summary>The score that pruned the run's one-shot targets (null for iterative and dense runs).</summary>
    public PruningScore? Score => Manifest.Kind == "oneshot" ? ScoreRegistry.Of(Manifest.Hparams.Pruning) : null;

    /// <summary>The dense network this experiment's tickets are compared with: runs of the same network, data, training
    /// and seed share it (the hash of a dense training run of those hyperparameters), whatever their pruning.</summary>
    public string DenseIdentity => new RunIdentity(RunKind.Train, Manifest.Hparams, Manifest.Seed, null).Hash;

    /// <summary>The run whose dense stages this experiment shows as its own (a run pruned at initialization trains none),
    /// set by <see cref="Report.Build"/>; null when they are its own.</summary>
    public string? DenseFrom { get; private set; }

    /// <summary>Shows the dense stages of <paramref name="donor"/> (the same <see cref="DenseIdentity"/>) as this one's.</summary>
    public ExperimentData WithDenseOf(ExperimentData donor) => this with
    {
        Stages = donor.Stages.Where(s => s.Kind == SeriesKind.Dense).Concat(Stages).ToList(),
        DenseFrom = donor.Run,
        Label = Label,
    };

    /// <summary>The experiment with only the branches named kept (its trunk always): a recipe's report shows what the
    /// recipe ran, not every branch someone else attached to the same run. Instability paths go with the stability branch.
    /// So do the stages not finished yet: another recipe's control still training on a shared run (conv4's
    /// reinitializations beside conv4_dropout's report, in one queue) leaves this report's stages complete, and the run is
    /// "still running" here only while a stage this report shows is unfinished.</summary>
    public ExperimentData OnlyBranches(IReadOnlySet<string> branches)
    {
        var unfinished = Unfinished.Where(u => BranchRegistry.Owner(Path.GetFileName(u)) is not { } b || branches.Contains(b.Name)).ToList();
        return this with
        {
            Stages = Stages.Where(s => s.Kind.Branch is null || branches.Contains(s.Kind.Branch.Name)).ToList(),
            Paths = branches.Contains("stability") ? Paths : [],
            Unfinished = unfinished,
            Running = Running && unfinished.Count > 0,
            Label = Label,
        };
    }

    public static ExperimentData Load(string runDirectory)
    {
        runDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(runDirectory));
        var manifest = RunManifest.LoadVerified(runDirectory);
        var layout = new RunLayout(runDirectory);
        var replicates = layout.Replicates().ToList();
        var stages = new List<StageRecord>();
        var unfinished = new List<string>();
        var ticket = manifest.Kind == "oneshot" ? SeriesKind.OneShot : manifest.Rewind is null ? SeriesKind.Iterative : SeriesKind.Rewinding;
        var targetOrder = new Dictionary<(int, double), int>();
        foreach (var r in replicates)
        {
            int rank = 0;
            foreach (var (percent, _) in layout.Targets(r)) targetOrder[(r, percent)] = 1000 + rank++;
        }
        var paths = new List<PathRecord>();
        foreach (var stage in layout.Walk())
        {
            if (stage.Branch is { } b && BranchRegistry.Owner(b) is StabilityBranch)
            {
                int at = stage.Level ?? targetOrder[(stage.Replicate, stage.Target!.Value)];
                if (global::Lottery.Stability.InstabilityPath.TryLoad(stage.Directory) is { } path)
                    paths.Add(new PathRecord(stage.Replicate, stage.Position, at, StageSummary.TryLoad(stage.TrunkStage(layout).Directory)?.PercentRemaining ?? 100, path));
                else unfinished.Add(Path.GetRelativePath(runDirectory, stage.Directory));
                continue;
            }
            var kind = stage.Branch is { } name
                ? BranchRegistry.Owner(name) is { } branch ? SeriesKind.Of(branch) : null    // a directory no branch owns is not a stage of ours
                : stage.Level == 0 ? SeriesKind.Dense : ticket;
            if (kind is null) continue;
            int order = stage.Level ?? targetOrder[(stage.Replicate, stage.Target!.Value)];
            Add(stage.Replicate, stage.Position, order, kind, stage.Directory);
        }
        bool running = replicates.Any(r => layout.LockDirectories(r).Any(RunLock.IsHeld));
        return new ExperimentData(Path.GetFileName(runDirectory), runDirectory, manifest, stages, replicates.Count, unfinished, running, paths);

        void Add(int replicate, string position, int order, SeriesKind kind, string dir)
        {
            var summary = StageSummary.TryLoad(dir);
            if (summary is null)
            {
                unfinished.Add(Path.GetRelativePath(runDirectory, dir));
                return;
            }
            var metrics = MetricsLog.Read(Path.Combine(dir, StageFiles.Metrics));
            if (metrics.Count == 0 || metrics[^1].Iteration != summary.Outcome.FinalIteration)
                throw new RunFileException($"{Path.Combine(dir, StageFiles.Metrics)} is cut (it does not reach the stage's end at iteration " +
                    $"{summary.Outcome.FinalIteration}): delete it and re-run the command that made the run to recompute the stage");
            stages.Add(new StageRecord(replicate, position, order, kind, dir, summary, metrics, ReadSparsity(dir)));
        }
    }

    static SparsityReport? ReadSparsity(string dir)
    {
        var path = Path.Combine(dir, StageFiles.Sparsity);
        if (!File.Exists(path)) return null;
        try { return System.Text.Json.JsonSerializer.Deserialize<SparsityReport>(File.ReadAllText(path), RunManifest.Json); }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or ArgumentException)
        {
            throw new RunFileException($"{path} is corrupted: delete it and re-run the command that made the run (it is written again from the mask)");
        }
    }
}

/// <summary>One measured instability analysis: the trunk stage it belongs to (replicate, position, percent remaining) and its path.</summary>
public sealed record PathRecord(int Replicate, string Position, int Order, double PercentRemaining, global::Lottery.Stability.InstabilityPath Path);
