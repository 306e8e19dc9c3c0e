namespace Lottery.Reports;

/// <summary>A drawn figure: its file stem (written as STEM.png and STEM.svg), a title, a caption saying what it
/// shows and how (criterion, error bars, replicates), and its size in pixels.</summary>
public sealed record Figure(string Stem, string Title, string Caption, byte[] Png, string Svg, int Width = FigureSet.Width, int Height = FigureSet.Height);
