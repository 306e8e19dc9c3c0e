using Lottery.Branches;

namespace Lottery.Reports;

/// <summary>What a stage is, for grouping and drawing: the dense network, a trunk's tickets (iterative, rewound,
/// one-shot), or a branch of the registry (<see cref="BranchRegistry"/>), under the branch's own name.</summary>
/// <param name="Key">The name used in CSV and JSON: dense, iterative, rewinding, oneshot, or the branch's name.</param>
/// <param name="Name">What legends and tables say.</param>
/// <param name="Color">Its colour where a figure tells series of one experiment apart (hex, the Tableau-10 palette).</param>
/// <param name="IsTicket">A pruned trunk stage (the tickets a branch is compared with).</param>
public sealed record SeriesKind(string Key, string Name, string Color, bool IsTicket, Branch? Branch = null)
{
    public static readonly SeriesKind Dense = new("dense", "dense network", "#000000", false);
    public static readonly SeriesKind Iterative = new("iterative", "winning ticket (iterative)", "#1f77b4", true);
    public static readonly SeriesKind Rewinding = new("rewinding", "winning ticket (iterative, rewound)", "#9467bd", true);
    public static readonly SeriesKind OneShot = new("oneshot", "one-shot", "#2ca02c", true);

    static readonly Dictionary<Branch, SeriesKind> Branches = BranchRegistry.All.ToDictionary(b => b, b => new SeriesKind(b.Name, b.Label, b.Color, false, b));

    /// <summary>The kind of a branch's stages.</summary>
    public static SeriesKind Of(Branch branch) => Branches[branch];

    /// <summary>The kind of a branch's stages, by the branch's name.</summary>
    public static SeriesKind Of(string branch) => Of(BranchRegistry.Get(branch));

    /// <summary>Order of legends and tables: the dense network, the tickets, then the branches in the registry's order.</summary>
    public static IReadOnlyList<SeriesKind> Order { get; } = [Dense, Iterative, Rewinding, OneShot, .. BranchRegistry.All.Select(b => Branches[b])];

    /// <summary>A sanity check of pruning at initialization (with several methods, drawn beside its ticket: FigureSet.AsLine).</summary>
    public bool IsSanityCheck => Branch?.SanityCheck == true;

    public bool Equals(SeriesKind? other) => other is not null && other.Key == Key;
    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);
}
