namespace Lottery.Reports;

/// <summary>What a stage is, for grouping and drawing: the same kind has the same colour in every figure.</summary>
public enum SeriesKind { Dense, Iterative, Rewinding, OneShot, Reinit, RandomPruning, Continued }

public static class SeriesKinds
{
    /// <summary>Order of legends and tables: tickets first, then the controls as the paper lists them.</summary>
    public static readonly IReadOnlyList<SeriesKind> Order =
        [SeriesKind.Dense, SeriesKind.Iterative, SeriesKind.Rewinding, SeriesKind.OneShot, SeriesKind.Reinit, SeriesKind.RandomPruning, SeriesKind.Continued];

    public static string Name(this SeriesKind kind) => kind switch
    {
        SeriesKind.Dense => "dense network",
        SeriesKind.Iterative => "winning ticket (iterative)",
        SeriesKind.Rewinding => "winning ticket (iterative, rewound)",
        SeriesKind.OneShot => "one-shot",
        SeriesKind.Reinit => "random reinitialization",
        SeriesKind.RandomPruning => "random pruning",
        _ => "continued training",
    };

    /// <summary>The name used in CSV and JSON.</summary>
    public static string Key(this SeriesKind kind) => kind switch
    {
        SeriesKind.Dense => "dense",
        SeriesKind.Iterative => "iterative",
        SeriesKind.Rewinding => "rewinding",
        SeriesKind.OneShot => "oneshot",
        SeriesKind.Reinit => "reinit",
        SeriesKind.RandomPruning => "random_pruning",
        _ => "continued",
    };

    /// <summary>Colours (hex) from the Tableau-10 palette, one per kind, the same in every figure and report.</summary>
    public static string Color(this SeriesKind kind) => kind switch
    {
        SeriesKind.Dense => "#000000",
        SeriesKind.Iterative => "#1f77b4",
        SeriesKind.Rewinding => "#9467bd",
        SeriesKind.OneShot => "#2ca02c",
        SeriesKind.Reinit => "#d62728",
        SeriesKind.RandomPruning => "#7f7f7f",
        _ => "#8c564b",
    };

    public static bool IsTicket(this SeriesKind kind) => kind is SeriesKind.Iterative or SeriesKind.Rewinding or SeriesKind.OneShot;
}
