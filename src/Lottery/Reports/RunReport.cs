using Lottery.Lottery;
using Lottery.Runs;

namespace Lottery.Reports;

/// <summary>
/// The table `lottery show` prints: one row per level (or one-shot target) with percent of weights remaining,
/// and for the ticket and each control the early-stopping iteration, test accuracy there, and at the end.
/// </summary>
public sealed record RunReport(string Run, string Kind, string Model, string Dataset, int Replicates,
    IReadOnlyList<RunReport.Row> Rows, IReadOnlyList<string> Series)
{
    /// <param name="DivergedAt">The divergence iteration of each diverged stage among the <paramref name="Count"/>.</param>
    public sealed record Cell(Statistic EarlyStopIteration, Statistic EarlyStopTestAccuracy, Statistic FinalTestAccuracy,
        int Count, IReadOnlyList<int> DivergedAt);

    /// <summary>Series: "ticket", "reinit", "random_pruning", "continued"; only those with data appear.</summary>
    public sealed record Row(string Label, double PercentRemaining, IReadOnlyDictionary<string, Cell> Cells);

    public static readonly IReadOnlyList<string> SeriesOrder = ["ticket", "reinit", "random_pruning", "continued"];

    public static RunReport Build(string runDirectory)
    {
        var manifest = RunManifest.LoadVerified(runDirectory);
        var layout = new RunLayout(runDirectory);
        var replicates = layout.Replicates().ToList();
        var stages = new List<(string Label, int Order, string Series, StageSummary Summary)>();
        foreach (var r in replicates)
        {
            foreach (var level in layout.Levels(r))
            {
                var label = $"level {level}";
                if (StageSummary.TryLoad(layout.Level(r, level)) is { } s) stages.Add((label, level, "ticket", s));
                foreach (var control in layout.Controls(r, level))
                    if (StageSummary.TryLoad(layout.Control(r, level, control)) is { } c)
                        stages.Add((label, level, control.StartsWith("reinit_") ? "reinit" : control, c));
            }
            int t = 1000;
            foreach (var (percent, dir) in layout.Targets(r))
                if (StageSummary.TryLoad(dir) is { } s) stages.Add(($"one-shot {percent}%", t++, "ticket", s));
        }
        var series = SeriesOrder.Where(o => stages.Any(s => s.Series == o)).ToList();
        var rows = stages.GroupBy(s => (s.Label, s.Order)).OrderBy(g => g.Key.Order).Select(g =>
        {
            var cells = new Dictionary<string, Cell>();
            foreach (var name in series)
            {
                var items = g.Where(s => s.Series == name).Select(s => s.Summary).ToList();
                if (items.Count == 0) continue;
                cells[name] = new Cell(
                    Statistic.Of(items.Select(i => (double)i.Outcome.EarlyStopIteration))!,
                    Statistic.Of(items.Select(i => i.Outcome.EarlyStopTestAccuracy))!,
                    Statistic.Of(items.Select(i => i.Outcome.FinalTestAccuracy))!,
                    items.Count,
                    items.Select(i => i.Outcome.DivergedAt).OfType<int>().ToList());
            }
            var ticket = g.FirstOrDefault(s => s.Series == "ticket").Summary ?? g.First().Summary;
            return new Row(g.Key.Label, ticket.PercentRemaining, cells);
        }).ToList();
        return new RunReport(Path.GetFileName(runDirectory.TrimEnd('/')), manifest.Kind, manifest.Hparams.Model.Model,
            manifest.Hparams.Dataset.Dataset, replicates.Count, rows, series);
    }
}
