using System.Text.Json.Nodes;
using Lottery.Reports;
using Spectre.Console;

namespace Lottery.Cli;

/// <summary>Renders a <see cref="RunReport"/> as a table (mean and min–max over replicates) or as JSON.</summary>
public static class ReportTable
{
    public static void Write(RunReport report)
    {
        AnsiConsole.MarkupLine(Markup.Escape($"{report.Run}: {report.Kind} run of {report.Model} on {report.Dataset}"));
        var table = new Table().AddColumn("stage").AddColumn(new TableColumn("% remaining").RightAligned());
        foreach (var s in report.Series)
        {
            table.AddColumn(new TableColumn($"{s}\nearly-stop it").RightAligned());
            table.AddColumn(new TableColumn($"{s}\ntest acc @ es").RightAligned());
            table.AddColumn(new TableColumn($"{s}\nfinal test acc").RightAligned());
        }
        foreach (var row in report.Rows)
        {
            var cells = new List<string> { row.Label, $"{row.PercentRemaining:0.0}" };
            foreach (var s in report.Series)
            {
                if (row.Cells.TryGetValue(s, out var c))
                {
                    cells.Add(Format(c.EarlyStopIteration, "0"));
                    cells.Add(Format(c.EarlyStopTestAccuracy, "P", 100));
                    cells.Add(Format(c.FinalTestAccuracy, "P", 100));
                }
                else cells.AddRange(["", "", ""]);
            }
            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]mean [[min–max]] over replicates (and reinit draws); accuracies in %[/]");
    }

    static string Format(Statistic s, string format, double scale = 1)
    {
        string f(double v) => format == "P" ? (v * scale).ToString("0.00") : v.ToString(format);
        return s.Count == 1 ? f(s.Mean) : $"{f(s.Mean)} [{f(s.Min)}–{f(s.Max)}]";
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
            ["rows"] = new JsonArray(report.Rows.Select(r =>
            {
                var o = new JsonObject { ["stage"] = r.Label, ["percent_remaining"] = r.PercentRemaining };
                foreach (var (name, c) in r.Cells)
                    o[name] = new JsonObject
                    {
                        ["early_stop_iteration"] = Stat(c.EarlyStopIteration),
                        ["early_stop_test_accuracy"] = Stat(c.EarlyStopTestAccuracy),
                        ["final_test_accuracy"] = Stat(c.FinalTestAccuracy),
                    };
                return (JsonNode)o;
            }).ToArray()),
        };
    }
}
