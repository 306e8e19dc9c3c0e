namespace Lottery.Reports;

/// <summary>
/// What a report made by `lottery reproduce` says beyond its runs: which of the paper's figures it reproduces, at which
/// scale and how that scale shortens the paper's setup, the commands that made it, the paper's figures laid out as
/// panels of this report's figures, and the paper's numbers beside the same quantities measured here.
/// </summary>
/// <param name="Recipe">The recipe's name (`lottery reproduce NAME`).</param>
/// <param name="Title">What it reproduces, in words.</param>
/// <param name="Figures">The paper's figures it covers ("Figures 1, 3 and 4").</param>
/// <param name="Scale">paper, cpu or smoke.</param>
/// <param name="ScaleNote">How this scale departs from the paper's setup, and why the figure's point survives it.</param>
/// <param name="Commands">The commands the recipe runs, one per line, as a user would type them.</param>
/// <param name="Branches">Per run (directory name), the branches the recipe attaches to it: the report shows those and
/// the trunk, not other branches of the same run (null: everything).</param>
public sealed record ReportContext(string Recipe, string Title, string Figures, string Scale, string ScaleNote, IReadOnlyList<string> Commands,
    IReadOnlyList<FigurePanel> Panels, IReadOnlyList<PaperClaim> Claims, IReadOnlyDictionary<string, IReadOnlySet<string>>? Branches = null);

/// <summary>One of the paper's figures and the figures of this report that show the same thing (by stem).</summary>
public sealed record FigurePanel(string PaperFigure, string Description, IReadOnlyList<string> Stems);

/// <summary>A quantity the paper reports, and how to measure the same quantity in this report.</summary>
/// <param name="Quantity">What is compared, in words.</param>
/// <param name="Paper">The paper's value, in its own words (never used to compute anything).</param>
/// <param name="Run">The run (directory or name) whose experiment is measured.</param>
/// <param name="AtPercent">For <see cref="ClaimMeasure.ReinitGap"/>: the percent remaining compared (the nearest level run).</param>
/// <param name="Other">For <see cref="ClaimMeasure.DenseAccuracyDifference"/>: the run compared against.</param>
public sealed record PaperClaim(string Quantity, string Paper, ClaimMeasure Measure, string Run, double? AtPercent = null, string? Other = null);

/// <summary>The quantities a claim can be measured by, each computed from the report's table.</summary>
public enum ClaimMeasure
{
    /// <summary>The dense network's test accuracy at early stop.</summary>
    DenseAccuracy,
    /// <summary>The largest early-stop speed-up of a ticket over the dense network, and where.</summary>
    LargestSpeedUp,
    /// <summary>The largest gain in test accuracy at early stop over the dense network, and where.</summary>
    LargestGain,
    /// <summary>The smallest percent remaining down to which every ticket matches the dense network.</summary>
    MatchesDownTo,
    /// <summary>A ticket against its randomly reinitialized copy at a percent remaining: accuracy points and early-stop ratio.</summary>
    ReinitGap,
    /// <summary>The dense network's test accuracy at early stop minus another run's.</summary>
    DenseAccuracyDifference,
}
