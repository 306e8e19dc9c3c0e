namespace Lottery.Cli;

/// <summary>
/// A plain aligned table: a header, a rule, rows, two spaces between columns, no borders. Its width is the sum of
/// its columns' contents, so a table designed for 80 columns prints in 80 columns on any terminal or in a file
/// (a bordered, terminal-sized table wraps or cuts cells when the terminal is narrow).
/// </summary>
public sealed class TextTable
{
    readonly List<(string Header, bool Right)> _columns = [];
    readonly List<string[]> _rows = [];

    public TextTable Left(string header) { _columns.Add((header, false)); return this; }
    public TextTable Right(string header) { _columns.Add((header, true)); return this; }

    public TextTable Add(params string[] cells)
    {
        if (cells.Length != _columns.Count) throw new ArgumentException($"{cells.Length} cells for {_columns.Count} columns");
        _rows.Add(cells);
        return this;
    }

    public void Write(TextWriter writer)
    {
        var widths = _columns.Select((c, i) => Math.Max(c.Header.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((cell, i) =>
            _columns[i].Right ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))).TrimEnd();
        writer.WriteLine(Line(_columns.Select(c => c.Header).ToList()));
        writer.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in _rows) writer.WriteLine(Line(row));
    }

    public void Write() => Write(Console.Out);
}
