using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Lottery.Reports;

/// <summary>One row of the report's table: one experiment, one kind of stage, one position (level or target),
/// every statistic as mean and min–max over the replicates (and reinitialization draws) that finished it.</summary>
/// <param name="EarlyStopsAtEndByLoss">How many of the stages have their early stop (by validation loss) at their last
/// measurement (<see cref="EarlyStop.AtLastMeasurement"/>): for those the iteration is a lower bound.</param>
public sealed record ResultRow(string Experiment, SeriesKind Kind, string Position, int Order, double PercentRemaining, int Stages,
    Statistic EarlyStopIterationByLoss, Statistic EarlyStopIterationByAccuracy, Statistic? EarlyStopTestAccuracyByLoss,
    Statistic? EarlyStopTestAccuracyByAccuracy, Statistic FinalTestAccuracy, Statistic? FinalTrainAccuracy, IReadOnlyList<int> DivergedAt,
    IReadOnlyList<string> SparseLayers, int SparseStages = 0, int EarlyStopsAtEndByLoss = 0, int EarlyStopsAtEndByAccuracy = 0)
{
    public Statistic EarlyStopIteration(EarlyStopCriterion c) => c == EarlyStopCriterion.ValidationLoss ? EarlyStopIterationByLoss : EarlyStopIterationByAccuracy;
    public Statistic? EarlyStopTestAccuracy(EarlyStopCriterion c) => c == EarlyStopCriterion.ValidationLoss ? EarlyStopTestAccuracyByLoss : EarlyStopTestAccuracyByAccuracy;
    public int EarlyStopsAtEnd(EarlyStopCriterion c) => c == EarlyStopCriterion.ValidationLoss ? EarlyStopsAtEndByLoss : EarlyStopsAtEndByAccuracy;
    /// <summary>Whether the mean early stop is censored: some stage's criterion was still improving at its end, so the
    /// mean is a lower bound.</summary>
    public bool EarlyStopCensored(EarlyStopCriterion c) => EarlyStopsAtEnd(c) > 0;
}

/// <summary>The report's table, computed from the stages' metrics files (never from cached numbers), and its
/// Markdown, CSV and JSON forms. The dense network's row comes first in each experiment: it is the reference.</summary>
public static class ResultTable
{
    public static IReadOnlyList<ResultRow> Build(IEnumerable<ExperimentData> experiments) =>
        experiments.SelectMany(e => e.Stages
            .GroupBy(s => (s.Kind, s.Position, s.Order))
            .OrderBy(g => g.Key.Order).ThenBy(g => SeriesKind.Order.ToList().IndexOf(g.Key.Kind))
            .Select(g => Row(e.Label, g.Key.Kind, g.Key.Position, g.Key.Order, g.ToList()))).ToList();

    static ResultRow Row(string experiment, SeriesKind kind, string position, int order, List<StageRecord> s)
    {
        Statistic Of(Func<StageRecord, double> f) => Statistic.Of(s.Select(f))!;
        Statistic? Partial(Func<StageRecord, double?> f) => s.All(x => f(x) is not null) ? Statistic.Of(s.Select(x => f(x)!.Value)) : null;
        return new ResultRow(experiment, kind, position, order, s.Average(x => x.PercentRemaining), s.Count,
            Of(x => x.ByLoss.Iteration), Of(x => x.ByAccuracy.Iteration),
            Partial(x => x.ByLoss.TestAccuracy), Partial(x => x.ByAccuracy.TestAccuracy),
            Of(x => x.FinalTestAccuracy), Partial(x => x.TrainAccuracy),
            s.Select(x => x.DivergedAt).OfType<int>().ToList(),
            s.SelectMany(x => x.Summary.SparseLayers ?? []).Distinct().Order(StringComparer.Ordinal).ToList(),
            s.Count(x => x.Summary.SparseLayers is { Count: > 0 }),
            s.Count(x => x.ByLoss.AtLastMeasurement), s.Count(x => x.ByAccuracy.AtLastMeasurement));
    }

    /// <summary>An early-stop iteration's cell: "3000 (end)" where every stage's early stop is its last measurement, "2750
    /// [2500–3000] (end: 1 of 2)" where some are; the table's note says what that means.</summary>
    public static string EarlyStopCell(ResultRow r, EarlyStopCriterion c)
    {
        var mark = EarlyStop.EndMark(r.EarlyStopsAtEnd(c), r.Stages);
        return mark.Length == 0 ? Cell(r.EarlyStopIteration(c), 1, "0") : $"{Cell(r.EarlyStopIteration(c), 1, "0")} {mark}";
    }

    /// <summary>What "(end)" in the early-stop columns means, or null where no row has one.</summary>
    public static string? EndNote(IReadOnlyList<ResultRow> rows) =>
        rows.Any(r => r.EarlyStopsAtEndByLoss + r.EarlyStopsAtEndByAccuracy > 0)
            ? "(end): the early stop is the stage's last measurement (in every stage of the row, or in the number given): the criterion was " +
              "still improving when training ended, so the true early stop may lie beyond the run, and an early-stop ratio against it is a bound, not a measurement."
            : null;

    /// <summary>Which stages ran layers on the sparse kernels (--sparse), in a sentence, or null when none did: their
    /// products sum in another order than the dense path's, so those stages' last bits (and, through training, their
    /// trajectories) differ from a run with --sparse off. A reader comparing runs needs to know.</summary>
    public static string? KernelNote(IReadOnlyList<ResultRow> rows)
    {
        var sparse = rows.Where(r => r.SparseLayers.Count > 0).ToList();
        if (sparse.Count == 0) return null;
        var records = sparse.SelectMany(r => r.SparseLayers).Distinct().ToList();
        return $"Sparse kernels (--sparse, recorded in each stage's summary.json) trained {string.Join(", ", LayerNames(records))} in {sparse.Sum(r => r.SparseStages)} of the " +
               $"{rows.Sum(r => r.Stages)} stages (at {Num(sparse.Max(r => r.PercentRemaining), "0.0")}% remaining and below; table.csv names them per row). " +
               "Their sums round differently from the dense path's, so these stages differ in the last bits, and through training in their " +
               "trajectories, from the same runs made with --sparse off.";
    }

    /// <summary>Each layer once, as a reader names it: "fc1" where some stage ran it sparse for both passes, else "fc1 (for
    /// training only)" or "(for evaluation only)" (a stage records "fc1.weight (training)" where only one pass was faster
    /// sparse).</summary>
    static IEnumerable<string> LayerNames(IEnumerable<string> records) =>
        records.Select(r => (Name: r.Split(' ')[0].Replace(".weight", "", StringComparison.Ordinal), Pass: r.Contains(' ') ? r[(r.IndexOf(' ') + 2)..^1] : null))
            .GroupBy(x => x.Name).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Any(x => x.Pass is null) || g.Select(x => x.Pass).Distinct().Count() > 1 ? g.Key : $"{g.Key} (for {g.First().Pass} only)");

    static string Num(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>"mean [min–max]", or the value alone when the stages agree; "n/a" where not measured.</summary>
    public static string Cell(Statistic? s, double scale, string format)
    {
        if (s is null) return "n/a";
        if (s.Count == 1 || s.Min == s.Max) return Num(s.Mean * scale, format);
        return $"{Num(s.Mean * scale, format)} [{Num(s.Min * scale, format)}–{Num(s.Max * scale, format)}]";
    }

    public static string Markdown(IReadOnlyList<ResultRow> rows)
    {
        bool several = rows.Select(r => r.Experiment).Distinct().Count() > 1;
        bool train = rows.Any(r => r.FinalTrainAccuracy is not null);
        var sb = new StringBuilder();
        var head = new List<string>();
        if (several) head.Add("experiment");
        head.AddRange(["% remaining", "stage", "kind", "n", "early-stop it (val loss)", "early-stop it (val acc)",
            "test acc @ es (val loss)", "test acc @ es (val acc)", "final test acc"]);
        if (train) head.Add("final train acc");
        sb.Append("| ").AppendJoin(" | ", head).Append(" |\n");
        sb.Append('|').AppendJoin("", head.Select((_, i) => i < (several ? 1 : 0) || head[i] is "stage" or "kind" ? "---|" : "---:|")).Append('\n');
        foreach (var r in rows)
        {
            var cells = new List<string>();
            if (several) cells.Add(r.Experiment);
            cells.AddRange([Num(r.PercentRemaining, "0.0"), r.Position, r.Kind.Name + Diverged(r), $"{r.Stages}",
                EarlyStopCell(r, EarlyStopCriterion.ValidationLoss), EarlyStopCell(r, EarlyStopCriterion.ValidationAccuracy),
                Cell(r.EarlyStopTestAccuracyByLoss, 100, "0.00"), Cell(r.EarlyStopTestAccuracyByAccuracy, 100, "0.00"),
                Cell(r.FinalTestAccuracy, 100, "0.00")]);
            if (train) cells.Add(Cell(r.FinalTrainAccuracy, 100, "0.00"));
            sb.Append("| ").AppendJoin(" | ", cells).Append(" |\n");
        }
        sb.Append("\nAccuracies in %; mean [min–max] over the n stages (replicates, and reinitialization draws); ")
          .Append("early stop by minimum validation loss (the paper's criterion) and by maximum validation accuracy.\n");
        if (EndNote(rows) is { } end) sb.Append('\n').Append(end).Append('\n');
        return sb.ToString();
    }

    static string Diverged(ResultRow r) => r.DivergedAt.Count == 0 ? "" : $" ({r.DivergedAt.Count} diverged)";

    public static readonly string CsvHeader = "experiment,kind,stage,percent_remaining,stages," + string.Join(",",
        new[] { "early_stop_iteration_val_loss", "early_stop_iteration_val_acc", "test_accuracy_at_early_stop_val_loss",
                "test_accuracy_at_early_stop_val_acc", "final_test_accuracy", "final_train_accuracy" }
            .SelectMany(n => new[] { n + "_mean", n + "_min", n + "_max" })) + ",diverged,sparse_layers,early_stops_at_end_val_loss,early_stops_at_end_val_acc";

    /// <summary>One line per row; numbers round-trip exact (accuracies as fractions, as in metrics.csv), an
    /// unmeasured statistic as empty fields.</summary>
    public static string Csv(IReadOnlyList<ResultRow> rows)
    {
        static string Quote(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
        static string Triple(Statistic? s) => s is null ? ",," : $"{Num(s.Mean, "R")},{Num(s.Min, "R")},{Num(s.Max, "R")}";
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in rows)
            sb.Append(Quote(r.Experiment)).Append(',').Append(r.Kind.Key).Append(',').Append(Quote(r.Position)).Append(',')
              .Append(Num(r.PercentRemaining, "R")).Append(',').Append(r.Stages).Append(',')
              .AppendJoin(",", new[] { r.EarlyStopIterationByLoss, r.EarlyStopIterationByAccuracy, r.EarlyStopTestAccuracyByLoss,
                  r.EarlyStopTestAccuracyByAccuracy, r.FinalTestAccuracy, r.FinalTrainAccuracy }.Select(Triple))
              .Append(',').Append(r.DivergedAt.Count).Append(',').Append(Quote(string.Join(';', r.SparseLayers)))
              .Append(',').Append(r.EarlyStopsAtEndByLoss).Append(',').Append(r.EarlyStopsAtEndByAccuracy).Append('\n');
        return sb.ToString();
    }

    public static JsonArray Json(IReadOnlyList<ResultRow> rows)
    {
        static JsonNode? Stat(Statistic? s) => s is null ? null : new JsonObject { ["mean"] = s.Mean, ["min"] = s.Min, ["max"] = s.Max, ["count"] = s.Count };
        return new JsonArray(rows.Select(r => (JsonNode)new JsonObject
        {
            ["experiment"] = r.Experiment,
            ["kind"] = r.Kind.Key,
            ["stage"] = r.Position,
            ["percent_remaining"] = r.PercentRemaining,
            ["stages"] = r.Stages,
            ["early_stop_iteration_val_loss"] = Stat(r.EarlyStopIterationByLoss),
            ["early_stop_iteration_val_acc"] = Stat(r.EarlyStopIterationByAccuracy),
            ["test_accuracy_at_early_stop_val_loss"] = Stat(r.EarlyStopTestAccuracyByLoss),
            ["test_accuracy_at_early_stop_val_acc"] = Stat(r.EarlyStopTestAccuracyByAccuracy),
            ["final_test_accuracy"] = Stat(r.FinalTestAccuracy),
            ["final_train_accuracy"] = Stat(r.FinalTrainAccuracy),
            ["diverged_at"] = new JsonArray(r.DivergedAt.Select(d => (JsonNode)d).ToArray()),
            ["sparse_layers"] = new JsonArray(r.SparseLayers.Select(n => (JsonNode)n).ToArray()),
            ["early_stops_at_end_val_loss"] = r.EarlyStopsAtEndByLoss,
            ["early_stops_at_end_val_acc"] = r.EarlyStopsAtEndByAccuracy,
        }).ToArray());
    }
}
