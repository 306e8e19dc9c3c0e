using Lottery.Lottery;
using Lottery.Pruning;
using Lottery.Runs;

namespace Lottery.Branches;

/// <summary>
/// The options a branch can take (each branch reads the ones it declares in <see cref="Branch.Options"/>; the
/// command line offers exactly those): one record, so the library, the command line and Slurm jobs pass them alike.
/// </summary>
/// <param name="Draws">Instances of a randomized branch per stage (reinit: reinitializations; the paper uses 3).</param>
/// <param name="RewindPoints">Stability: the steps k whose weights θk the two copies start from (null: 0it).</param>
/// <param name="Points">Stability: evenly spaced points of the linear path, endpoints included (the paper: 30).</param>
/// <param name="TrainExamples">Stability: training examples the path is evaluated on (the first N of the training split;
/// null: all of it).</param>
/// <param name="BatchNormStatistics">Stability: batch norm's running statistics along the path: interpolate (with the
/// weights) or recompute (re-estimated for each point from training batches).</param>
/// <param name="Threshold">Stability: a path is stable when its test error barrier is below this (the paper: 2%).</param>
public sealed record BranchOptions(int Draws = 1, IReadOnlyList<string>? RewindPoints = null, int Points = 30, int? TrainExamples = null,
    string BatchNormStatistics = "interpolate", double Threshold = 0.02)
{
    public const string DrawsOption = "draws";
    public const string StabilityOptions = "stability";
}

/// <summary>The trunk stage a branch attaches to, with what the branch needs of it.</summary>
/// <param name="Stage">Where the trunk stage is (level or one-shot target of a replicate).</param>
/// <param name="Mask">The trunk stage's mask.</param>
/// <param name="Seeds">The replicate's seeds (data order, dropout): a branch trains with the trunk's data order.</param>
public sealed record BranchContext(RunHandle Run, StageLocation Stage, Mask Mask, ReplicateSeeds Seeds)
{
    public LotteryRunner Trunk => new(Run);

    /// <summary>The trunk stage's key in derived seeds: its level, or "target" and its percent (levels keep the form
    /// the controls always had, so their streams never change).</summary>
    public object[] SeedKey(string purpose) => Stage.Level is int l
        ? ["replicate", Stage.Replicate, purpose, l]
        : ["replicate", Stage.Replicate, purpose, "target", RunLayout.FormatPercent(Stage.Target!.Value)];

    /// <summary>What the progress display calls the stage: "replicate 2 level 3" or "replicate 2 one-shot 7%".</summary>
    public string Describe(string what) => $"replicate {Stage.Replicate} {Stage.Position} {what}";
}

/// <summary>
/// Work attached to a finished trunk stage (open_lth's branches): the paper's controls, the sanity checks of pruning at
/// initialization, and the like. Each has one name, used alike by the command line (`lottery NAME RUN`), the directory
/// on disk (STAGE/branches/NAME or NAME_D for the D-th draw), `show`, `runs`, the report and `lottery slurm`. A branch
/// is a file with its subclass plus its line in <see cref="BranchRegistry"/>; the tests parametrised over the registry
/// cover it from then on.
/// </summary>
public abstract class Branch
{
    /// <summary>The one name (snake_case, as the scores).</summary>
    public abstract string Name { get; }
    /// <summary>What the report's legends and the README call it ("random reinitialization").</summary>
    public abstract string Label { get; }
    /// <summary>One line for the command's help.</summary>
    public abstract string Description { get; }
    /// <summary>Its colour in a report of a single experiment (several experiments are told apart by colour instead).</summary>
    public abstract string Color { get; }
    /// <summary>A sanity check of Frankle et al. 2021 (drawn dashed beside its method): shuffle, invert, reinit.</summary>
    public virtual bool SanityCheck => false;
    /// <summary>The <see cref="BranchOptions"/> it reads.</summary>
    public virtual IReadOnlyList<string> Options => [];

    /// <summary>Why it cannot attach to <paramref name="stage"/> of <paramref name="run"/> (null: it can). The default
    /// attaches to every pruned trunk stage: levels 1 and up, one-shot targets.</summary>
    public virtual string? Refuses(RunHandle run, StageLocation stage) =>
        stage.Level == 0 ? $"{Name} attaches to pruned stages, and level 0 is the dense network" : null;

    /// <summary>The directory names of the instances the options ask for: the name itself, or NAME_1..NAME_D for
    /// branches drawn several times.</summary>
    public virtual IReadOnlyList<string> Instances(BranchOptions options) => [Name];

    /// <summary>Whether a directory name under a stage's branches is one of this branch's instances.</summary>
    public virtual bool Owns(string directoryName) => directoryName == Name || InstanceNumber(directoryName) is not null;

    /// <summary>Refuses options the branch cannot use on this run, before anything is written (one line, naming the option).</summary>
    public virtual void Validate(RunHandle run, BranchOptions options) { }

    /// <summary>D for NAME_D.</summary>
    public int? InstanceNumber(string directoryName) =>
        directoryName.StartsWith(Name + "_", StringComparison.Ordinal) && int.TryParse(directoryName[(Name.Length + 1)..],
            System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var d) && d > 0 ? d : null;

    /// <summary>Runs one instance, idempotently (finished stages are read back), and returns the stages it ran or read.</summary>
    public abstract IReadOnlyList<StageSummary> Run(BranchContext context, string instance, BranchOptions options, int index, int count);

    /// <summary>The instance's directory under the trunk stage.</summary>
    protected static string Directory(BranchContext context, string instance) => RunLayout.Branch(context.Stage.Directory, instance);
}

/// <summary>A branch whose instance is one stage (the controls and the sanity checks): it says what the stage starts from.</summary>
public abstract class SingleStageBranch : Branch
{
    /// <summary>The stage one instance trains: its directory, starting weights, mask and schedule position.</summary>
    public abstract StageRequest Plan(BranchContext context, string instance);

    public override IReadOnlyList<StageSummary> Run(BranchContext context, string instance, BranchOptions options, int index, int count) =>
        [new StageRunner(context.Run).Run(Plan(context, instance), index, count)];
}
