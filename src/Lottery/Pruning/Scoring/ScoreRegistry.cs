using Lottery.Hparams;

namespace Lottery.Pruning.Scoring;

/// <summary>The pruning scores, by name: a plain list. A new score is a file with its <see cref="PruningScore"/> and
/// its hyperparameter record, plus its line here; the tests parametrised over <see cref="All"/> cover it from then on.</summary>
public static class ScoreRegistry
{
    public static readonly IReadOnlyList<PruningScore> All =
    [
        new MagnitudeScore(),
        new MagnitudeInitScore(),
        new RandomScore(),
        new SnipScore(),
        new GraspScore(),
        new SynFlowScore(),
    ];

    /// <summary>The default: the paper's magnitude of the trained weights.</summary>
    public static PruningScore Default => All[0];

    public static PruningScore? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    public static PruningScore Get(string name) => Find(name)
        ?? throw new HparamsException($"unknown pruning score '{name}': the scores are {string.Join(", ", All.Select(s => s.Name))}");

    /// <summary>The score of a run's pruning hyperparameters (magnitude when none is named).</summary>
    public static PruningScore Of(PruningHparams pruning) => pruning.Score is null ? Default : Get(pruning.Score.Name);

    /// <summary>The hyperparameters in force: those given, or the score's defaults.</summary>
    public static ScoreHparams HparamsOf(PruningHparams pruning) => pruning.Score ?? Default.Defaults;
}
