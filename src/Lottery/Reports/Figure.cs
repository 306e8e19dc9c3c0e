namespace Lottery.Reports;

/// <summary>A drawn figure: its file stem (written as STEM.png and STEM.svg), a title, and a caption saying what it
/// shows and how (criterion, error bars, replicates).</summary>
public sealed record Figure(string Stem, string Title, string Caption, byte[] Png, string Svg);
