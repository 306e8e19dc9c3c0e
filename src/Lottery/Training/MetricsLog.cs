using System.Globalization;
using Lottery.Runs;

namespace Lottery.Training;

/// <summary>
/// The run's metrics as CSV with a header, appended and flushed as each measurement comes, so a long run can
/// be watched (tail -f) and survives a crash. Numbers are written round-trip exact, so two runs agree on the
/// file byte for byte exactly when they agree on every value.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string Header = "iteration,train_loss,validation_loss,validation_accuracy,test_loss,test_accuracy";
    readonly StreamWriter _writer;

    MetricsLog(StreamWriter writer, IReadOnlyList<MetricsRow> kept) => (_writer, Kept) = (writer, kept);

    /// <summary>The rows kept from before a resume.</summary>
    public IReadOnlyList<MetricsRow> Kept { get; }

    /// <summary>Opens the log to append, keeping the rows up to <paramref name="keepThrough"/> (a resumed run
    /// rewrites what it recomputes; the rewrite is atomic). A null keepThrough starts a fresh log.</summary>
    public static MetricsLog Open(string path, int? keepThrough)
    {
        var keep = keepThrough is int k && File.Exists(path) ? Read(path).Where(r => r.Iteration <= k).ToList() : [];
        if (keepThrough is int through && (keep.Count == 0 || keep[^1].Iteration != through))
            throw new RunFileException($"{path} does not reach the checkpoint at iteration {through} (cut or edited): " +
                $"delete {Path.Combine(Path.GetDirectoryName(path)!, StageFiles.Checkpoint)} and re-run the command (the stage restarts)");
        AtomicFile.WriteAllText(path, string.Concat(new[] { Header + "\n" }.Concat(keep.Select(Format))));
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        return new MetricsLog(new StreamWriter(stream) { AutoFlush = false }, keep);
    }

    public void Append(MetricsRow row)
    {
        _writer.Write(Format(row));
        _writer.Flush();
    }

    /// <summary>Round-trip exact; NaN and infinities (a diverged run) as nan, inf, -inf; an empty field is a
    /// value not measured (the training loss before training).</summary>
    static string F(double? v) => v switch
    {
        null => "",
        double d when double.IsNaN(d) => "nan",
        double.PositiveInfinity => "inf",
        double.NegativeInfinity => "-inf",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
    };

    static double? P(string s) => s switch
    {
        "" => null,
        "nan" => double.NaN,
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    static double Required(string s) => P(s) ?? throw new FormatException("empty field");

    static string Format(MetricsRow r) =>
        $"{r.Iteration},{F(r.TrainLoss)},{F(r.ValidationLoss)},{F(r.ValidationAccuracy)},{F(r.TestLoss)},{F(r.TestAccuracy)}\n";

    public static IReadOnlyList<MetricsRow> Read(string path)
    {
        if (!File.Exists(path)) throw new RunFileException($"{path} is missing: re-run the command to recompute it");
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != Header)
            throw new RunFileException($"{path} is corrupted (bad header): delete it and re-run the command");
        var rows = new List<MetricsRow>();
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            try
            {
                if (f.Length != 6) throw new FormatException();
                var row = new MetricsRow(int.Parse(f[0], NumberStyles.None, CultureInfo.InvariantCulture), P(f[1]), Required(f[2]), Required(f[3]), P(f[4]), P(f[5]));
                if (row.TestLoss.HasValue != row.TestAccuracy.HasValue) throw new FormatException("test loss without accuracy");
                if (rows.Count > 0 && row.Iteration <= rows[^1].Iteration) throw new FormatException("iterations out of order");
                rows.Add(row);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                throw new RunFileException($"{path} is corrupted (line {i + 1}): delete it and re-run the command");
            }
        }
        return rows;
    }

    public void Dispose() => _writer.Dispose();
}
