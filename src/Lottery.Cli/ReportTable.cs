using System.Text.Json.Nodes;
using Lottery.Reports;

namespace Lottery.Cli;

/// <summary>
/// Renders a <see cref="RunReport"/> for people (one row per stage and kind, designed for 80 columns; ranges with
/// --wide in 100) or as JSON. Ticket and controls of one level sit in adjacent rows, so they compare at a glance.
/// </summary>
public static class ReportTable
{
    public static void Write(RunReport report, bool wide = false)
    {
        var writer = Console.Out;
        writer.WriteLine($"{report.Run}: {report.Kind} run{(report.Score is { } score ? $" ({score})" : "")} of {report.Model} on {report.Dataset}, " +
            $"{report.Replicates} replicate{(report.Replicates == 1 ? "" : "s")}");
        if (report.Rows.Count == 0)
        {
            writer.WriteLine("no stage has finished yet");
            return;
        }
        bool controls = report.Series.Count > 1;
        bool diverged = report.Rows.Any(r => r.Cells.Values.Any(c => c.DivergedAt.Count > 0));
        bool collapsed = report.Rows.Any(r => r.Cells.Values.Any(c => c.EmptyLayers.Count > 0));
        var table = new TextTable().Left("stage").Right("% left");
        if (controls) table.Left("kind");
        table.Right("early-stop it").Right("test acc @ es").Right("final test acc");
        if (diverged || collapsed) table.Left("note");
        foreach (var row in report.Rows)
        {
            bool first = true;
            foreach (var (name, c) in report.Series.Where(row.Cells.ContainsKey).Select(n => (n, row.Cells[n])))
            {
                var cells = new List<string> { first ? row.Label : "", first ? $"{row.PercentRemaining:0.0}" : "" };
                if (controls) cells.Add(name);
                cells.Add(Format(c.EarlyStopIteration, 1, "0", wide) + AtEnd(c));
                cells.Add(Format(c.EarlyStopTestAccuracy, 100, "0.00", wide));
                cells.Add(Format(c.FinalTestAccuracy, 100, "0.00", wide));
                if (diverged || collapsed) cells.Add(string.Join("; ", new[] { Diverged(c), Collapsed(c) }.Where(n => n.Length > 0)));
                table.Add(cells.ToArray());
                first = false;
            }
        }
        table.Write(writer);
        int most = report.Rows.SelectMany(r => r.Cells.Values).Max(c => c.Count);
        if (most > 1)
        {
            var over = report.Series.Contains("reinit") ? "replicates and reinit draws" : "replicates";
            writer.WriteLine(wide ? $"accuracies in %; mean [min–max] over {over}" : $"accuracies in %; mean ±half the min–max range over {over}");
        }
        else writer.WriteLine("accuracies in %");
        if (diverged) writer.WriteLine("diverged: NaN/infinite loss, training stopped; early stop = best point before it");
        if (report.Rows.Any(r => r.Cells.Values.Any(c => c.EarlyStopsAtEnd > 0)))
            writer.WriteLine("(end): early stop at the stage's last measurement (validation loss still falling): the true one may be later");
        if (collapsed) writer.WriteLine("collapse: the mask left these layers without a weight (they pass only their bias)");
        var sparse = report.Rows.Where(r => r.Cells.Values.Any(c => c.SparseLayers is { Count: > 0 })).ToList();
        if (sparse.Count > 0)
            writer.WriteLine($"sparse kernels (--sparse) ran {string.Join(", ", sparse.SelectMany(r => r.Cells.Values).SelectMany(c => c.SparseLayers ?? []).Distinct().Select(n => n.Replace(".weight", "")))} " +
                $"at {(sparse.Count == 1 ? sparse[0].Label : $"{sparse[0].Label} to {sparse[^1].Label}")} (results equal the dense path's to float rounding)");
        WriteStability(report, writer);
    }

    static string Diverged(RunReport.Cell c) => c.DivergedAt.Count switch
    {
        0 => "",
        _ when c.Count == 1 => $"diverged at {c.DivergedAt[0]}",
        _ => $"{c.DivergedAt.Count}/{c.Count} diverged (at {string.Join(", ", c.DivergedAt)})",
    };

    /// <summary>The instability analyses: per stage and rewind point, the test and train error barriers in points of
    /// error, the copies' final test accuracy, and how many replicates' paths are stable.</summary>
    static void WriteStability(RunReport report, TextWriter writer)
    {
        if (report.Stability is not { Count: > 0 } rows) return;
        writer.WriteLine();
        writer.WriteLine($"instability (linear mode connectivity; stable: test error barrier below {rows[0].Threshold * 100:0.##} points)");
        var table = new TextTable().Left("stage").Right("% left").Left("k").Right("test barrier").Right("train barrier").Right("copies' test acc").Right("stable");
        foreach (var r in rows)
            table.Add(r.Label, $"{r.PercentRemaining:0.0}", r.RewindPoint, Format(r.TestInstability, 100, "0.00", false),
                Format(r.TrainInstability, 100, "0.00", false), Format(r.CopiesTestAccuracy, 100, "0.00", false), $"{r.Stable}/{r.Count}");
        table.Write(writer);
        writer.WriteLine("barriers in points of error: the largest error along the path minus the mean of its endpoints'");
    }

    /// <summary>" (end)" where every stage of the cell stopped early at its last measurement, " (end: k of n)" where some did.</summary>
    static string AtEnd(RunReport.Cell c) => c.EarlyStopsAtEnd == 0 ? "" : " " + EarlyStop.EndMark(c.EarlyStopsAtEnd, c.Count);

    static string Collapsed(RunReport.Cell c) => c.EmptyLayers.Count == 0 ? "" : $"collapse: {string.Join(", ", c.EmptyLayers.Select(n => n.Replace(".weight", "")))}";

    static string Format(Statistic s, double scale, string format, bool wide)
    {
        string F(double v) => (v * scale).ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        if (s.Count == 1 || s.Min == s.Max) return F(s.Mean);
        return wide ? $"{F(s.Mean)} [{F(s.Min)}–{F(s.Max)}]" : $"{F(s.Mean)} ±{F((s.Max - s.Min) / 2)}";
    }

    public static JsonObject ToJson(RunReport report)
    {
        static JsonObject Stat(Statistic s) => new() { ["mean"] = s.Mean, ["min"] = s.Min, ["max"] = s.Max, ["count"] = s.Count };
        return new JsonObject
        {
            ["run"] = report.Run,
            ["kind"] = report.Kind,
            ["model"] = report.Model,
            ["dataset"] = report.Dataset,
            ["replicates"] = report.Replicates,
            ["score"] = report.Score,
            ["stability"] = new JsonArray((report.Stability ?? []).Select(r => (JsonNode)new JsonObject
            {
                ["stage"] = r.Label, ["percent_remaining"] = r.PercentRemaining, ["rewind_point"] = r.RewindPoint, ["rewind_iteration"] = r.RewindIteration,
                ["test_instability"] = Stat(r.TestInstability), ["train_instability"] = Stat(r.TrainInstability),
                ["copies_test_accuracy"] = Stat(r.CopiesTestAccuracy), ["stable"] = r.Stable, ["paths"] = r.Count, ["threshold"] = r.Threshold,
            }).ToArray()),
            ["rows"] = new JsonArray(report.Rows.Select(r =>
            {
                var o = new JsonObject { ["stage"] = r.Label, ["percent_remaining"] = r.PercentRemaining };
                foreach (var (name, c) in r.Cells)
                    o[name] = new JsonObject
                    {
                        ["early_stop_iteration"] = Stat(c.EarlyStopIteration),
                        ["early_stop_test_accuracy"] = Stat(c.EarlyStopTestAccuracy),
                        ["final_test_accuracy"] = Stat(c.FinalTestAccuracy),
                        ["stages"] = c.Count,
                        ["diverged_at"] = new JsonArray(c.DivergedAt.Select(d => (JsonNode)d).ToArray()),
                        ["empty_layers"] = new JsonArray(c.EmptyLayers.Select(n => (JsonNode)n).ToArray()),
                        ["sparse_layers"] = new JsonArray((c.SparseLayers ?? []).Select(n => (JsonNode)n).ToArray()),
                        ["early_stops_at_end"] = c.EarlyStopsAtEnd,
                    };
                return (JsonNode)o;
            }).ToArray()),
        };
    }
}
