using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Lottery.Reports;

/// <summary>The instability analyses as a table: per experiment, stage and rewind point, the test and train error
/// barriers (mean and min–max over replicates), the endpoints' test errors, and how many paths are stable; recomputed
/// from each branch's path.json (never cached numbers).</summary>
public static class StabilityTable
{
    public sealed record Row(string Experiment, string Position, int Order, double PercentRemaining, string RewindPoint, int RewindIteration,
        Statistic TestInstability, Statistic TrainInstability, Statistic EndpointTestError, int Stable, int Paths, double Threshold);

    public static IReadOnlyList<Row> Build(IEnumerable<ExperimentData> experiments) => experiments.SelectMany(e => e.Paths
        .GroupBy(p => (p.Order, p.Position, p.Path.RewindIteration, p.Path.RewindPoint))
        .OrderBy(g => g.Key.Order).ThenBy(g => g.Key.RewindIteration)
        .Select(g => new Row(e.Label, g.Key.Position, g.Key.Order, g.Average(p => p.PercentRemaining), g.Key.RewindPoint, g.Key.RewindIteration,
            Statistic.Of(g.Select(p => p.Path.TestInstability))!, Statistic.Of(g.Select(p => p.Path.TrainInstability))!,
            Statistic.Of(g.SelectMany(p => new[] { p.Path.TestError[0], p.Path.TestError[^1] }))!,
            g.Count(p => p.Path.Stable), g.Count(), g.First().Path.Threshold))).ToList();

    public static string Markdown(IReadOnlyList<Row> rows)
    {
        if (rows.Count == 0) return "";
        bool several = rows.Select(r => r.Experiment).Distinct().Count() > 1;
        var sb = new StringBuilder("\n### Instability (linear mode connectivity)\n\n");
        var head = new List<string>();
        if (several) head.Add("experiment");
        head.AddRange(["% remaining", "stage", "k", "test barrier", "train barrier", "endpoints' test error", "stable"]);
        sb.Append("| ").AppendJoin(" | ", head).Append(" |\n|").AppendJoin("", head.Select(h => h is "experiment" or "stage" or "k" ? "---|" : "---:|")).Append('\n');
        foreach (var r in rows)
        {
            var cells = new List<string>();
            if (several) cells.Add(r.Experiment);
            cells.AddRange([r.PercentRemaining.ToString("0.0", CultureInfo.InvariantCulture), r.Position, r.RewindPoint,
                ResultTable.Cell(r.TestInstability, 100, "0.00"), ResultTable.Cell(r.TrainInstability, 100, "0.00"),
                ResultTable.Cell(r.EndpointTestError, 100, "0.00"), $"{r.Stable}/{r.Paths}"]);
            sb.Append("| ").AppendJoin(" | ", cells).Append(" |\n");
        }
        sb.Append($"\nBarriers and errors in percentage points; mean [min–max] over replicates (endpoints: both copies of each); stable: test barrier below {(rows[0].Threshold * 100).ToString("0.##", CultureInfo.InvariantCulture)} points.\n");
        return sb.ToString();
    }

    public const string CsvHeader = "experiment,stage,percent_remaining,rewind_point,rewind_iteration,test_instability_mean,test_instability_min,test_instability_max," +
        "train_instability_mean,train_instability_min,train_instability_max,endpoint_test_error_mean,stable,paths,threshold";

    public static string Csv(IReadOnlyList<Row> rows)
    {
        static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        static string Q(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in rows)
            sb.Append($"{Q(r.Experiment)},{Q(r.Position)},{R(r.PercentRemaining)},{r.RewindPoint},{r.RewindIteration},{R(r.TestInstability.Mean)},{R(r.TestInstability.Min)},{R(r.TestInstability.Max)}," +
                      $"{R(r.TrainInstability.Mean)},{R(r.TrainInstability.Min)},{R(r.TrainInstability.Max)},{R(r.EndpointTestError.Mean)},{r.Stable},{r.Paths},{R(r.Threshold)}\n");
        return sb.ToString();
    }

    public static JsonArray Json(IReadOnlyList<Row> rows)
    {
        static JsonObject Stat(Statistic s) => new() { ["mean"] = s.Mean, ["min"] = s.Min, ["max"] = s.Max, ["count"] = s.Count };
        return new JsonArray(rows.Select(r => (JsonNode)new JsonObject
        {
            ["experiment"] = r.Experiment, ["stage"] = r.Position, ["percent_remaining"] = r.PercentRemaining, ["rewind_point"] = r.RewindPoint,
            ["rewind_iteration"] = r.RewindIteration, ["test_instability"] = Stat(r.TestInstability), ["train_instability"] = Stat(r.TrainInstability),
            ["endpoint_test_error"] = Stat(r.EndpointTestError), ["stable"] = r.Stable, ["paths"] = r.Paths, ["threshold"] = r.Threshold,
        }).ToArray());
    }
}
