namespace Lottery.Cli;

/// <summary>
/// A plain aligned table: a header, a rule, rows, two spaces between columns, no borders. Its width is the sum of
/// its columns' contents, so a table designed for 80 columns prints in 80 columns on any terminal or in a file
/// (a bordered, terminal-sized table wraps or cuts cells when the terminal is narrow). On a terminal narrower than
/// the table, the columns marked shrinkable give up width (their cells cut with "…", never below their minimum), the
/// widest first, so no row wraps; redirected, the table keeps its full width.
/// </summary>
public sealed class TextTable
{
    readonly List<(string Header, bool Right, int? Shrink)> _columns = [];
    readonly List<string[]> _rows = [];
    readonly Dictionary<int, string> _notes = [];

    public TextTable Left(string header) { _columns.Add((header, false, null)); return this; }
    public TextTable Right(string header) { _columns.Add((header, true, null)); return this; }

    /// <summary>A left-aligned column that may be cut down to <paramref name="minimum"/> characters to fit the terminal.</summary>
    public TextTable Shrinkable(string header, int minimum) { _columns.Add((header, false, minimum)); return this; }

    public TextTable Add(params string[] cells)
    {
        if (cells.Length != _columns.Count) throw new ArgumentException($"{cells.Length} cells for {_columns.Count} columns");
        _rows.Add(cells);
        return this;
    }

    /// <summary>A line of its own under the row added last, indented under the second column (what a row would need a
    /// column for that the terminal has no width for).</summary>
    public TextTable Note(string note)
    {
        if (_rows.Count == 0) throw new InvalidOperationException("a note goes under a row: add the row first");
        if (note.Length > 0) _notes[_rows.Count - 1] = note;
        return this;
    }

    /// <summary>The width of the table with no column cut.</summary>
    public int NaturalWidth => NaturalWidths().Sum() + 2 * (_columns.Count - 1);

    /// <summary>Each column's width with nothing cut: its header's or its widest cell's.</summary>
    int[] NaturalWidths() => _columns.Select((c, i) => Math.Max(c.Header.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();

    /// <summary>Writes the table, at most <paramref name="width"/> columns wide where its shrinkable columns allow.</summary>
    public void Write(TextWriter writer, int? width = null)
    {
        var widths = NaturalWidths();
        if (width is int limit)
        {
            int excess = widths.Sum() + 2 * (widths.Length - 1) - limit;
            while (excess > 0)
            {
                int widest = -1;
                for (int i = 0; i < widths.Length; i++)
                    if (_columns[i].Shrink is int min && widths[i] > Math.Max(min, _columns[i].Header.Length) && (widest < 0 || widths[i] > widths[widest])) widest = i;
                if (widest < 0) break;
                int floor = Math.Max(_columns[widest].Shrink!.Value, _columns[widest].Header.Length);
                int cut = Math.Min(excess, widths[widest] - floor);
                // Take from the widest down to the next widest at most, so the columns shrink evenly.
                int next = widths.Where((w, i) => i != widest && _columns[i].Shrink is not null).DefaultIfEmpty(0).Max();
                if (next >= floor && widths[widest] - cut < next) cut = Math.Max(1, widths[widest] - next);
                widths[widest] -= cut;
                excess -= cut;
            }
        }
        string Cell(string cell, int w) => cell.Length <= w ? cell : cell[..(w - 1)] + "…";
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((cell, i) =>
            _columns[i].Right ? Cell(cell, widths[i]).PadLeft(widths[i]) : Cell(cell, widths[i]).PadRight(widths[i]))).TrimEnd();
        writer.WriteLine(Line(_columns.Select(c => c.Header).ToList()));
        writer.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        int indent = widths.Length > 1 ? widths[0] + 2 : 0;
        for (int r = 0; r < _rows.Count; r++)
        {
            writer.WriteLine(Line(_rows[r]));
            if (_notes.TryGetValue(r, out var note))
                writer.WriteLine(new string(' ', indent) + (width is int w && indent + note.Length > w ? Cell(note, Math.Max(1, w - indent)) : note));
        }
    }

    /// <summary>To the console: fitted to the terminal's width when the output is one.</summary>
    public void Write() => Write(Console.Out, TerminalWidth());

    /// <summary>The terminal's width, or null when the output is redirected (a file or a pipe keeps the full table).</summary>
    public static int? TerminalWidth()
    {
        if (Console.IsOutputRedirected) return null;
        try { return Console.WindowWidth is > 10 and var w ? w : null; }
        catch (IOException) { return null; }
    }
}
