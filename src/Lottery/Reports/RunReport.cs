using Lottery.Branches;
using Lottery.Lottery;
using Lottery.Pruning.Scoring;
using Lottery.Runs;

namespace Lottery.Reports;

/// <summary>
/// The table `lottery show` prints: one row per level (or one-shot target) with percent of weights remaining,
/// and for the ticket and each branch the early-stopping iteration, test accuracy there, and at the end.
/// </summary>
/// <param name="Score">The score of a one-shot run (magnitude, snip, …); null for other runs.</param>
/// <param name="Stability">The instability analyses of the run (stability branches), by stage and rewind point.</param>
public sealed record RunReport(string Run, string Kind, string Model, string Dataset, int Replicates,
    IReadOnlyList<RunReport.Row> Rows, IReadOnlyList<string> Series, string? Score = null, IReadOnlyList<RunReport.StabilityRow>? Stability = null)
{
    /// <summary>One stage at one rewind point, over the replicates that measured it: the error barriers (test and train),
    /// the two copies' final test accuracies, and how many paths are stable (test barrier below the threshold).</summary>
    public sealed record StabilityRow(string Label, int Order, double PercentRemaining, string RewindPoint, int RewindIteration,
        Statistic TestInstability, Statistic TrainInstability, Statistic CopiesTestAccuracy, int Stable, int Count, double Threshold);

    /// <param name="DivergedAt">The divergence iteration of each diverged stage among the <paramref name="Count"/>.</param>
    /// <param name="EmptyLayers">Layers some stage's mask left without a weight (layer collapse).</param>
    /// <param name="SparseLayers">Layers some stage ran on sparse kernels (--sparse).</param>
    /// <param name="EarlyStopsAtEnd">How many stages stopped early at their last measurement (<see cref="Training.TrainingOutcome.EarlyStopAtEnd"/>).</param>
    public sealed record Cell(Statistic EarlyStopIteration, Statistic EarlyStopTestAccuracy, Statistic FinalTestAccuracy,
        int Count, IReadOnlyList<int> DivergedAt, IReadOnlyList<string> EmptyLayers, IReadOnlyList<string>? SparseLayers = null, int EarlyStopsAtEnd = 0);

    /// <summary>Series: "ticket", then the branches' names in the registry's order; only those with data appear.</summary>
    public sealed record Row(string Label, double PercentRemaining, IReadOnlyDictionary<string, Cell> Cells);

    public const string Ticket = "ticket";

    public static IReadOnlyList<string> SeriesOrder { get; } = [Ticket, .. BranchRegistry.All.Select(b => b.Name)];

    public static RunReport Build(string runDirectory)
    {
        var manifest = RunManifest.LoadVerified(runDirectory);
        var layout = new RunLayout(runDirectory);
        var stages = new List<(string Label, int Order, string Series, StageSummary Summary)>();
        var walk = layout.Walk().ToList();
        var stability = new List<(string Label, int Order, double Percent, global::Lottery.Stability.InstabilityPath Path, double CopyAccuracy)>();
        // Targets after the levels, largest first, whatever order they were made in.
        var targetRank = walk.Where(s => s.Target is not null).Select(s => s.Target!.Value).Distinct().OrderByDescending(p => p)
            .Select((p, i) => (p, i)).ToDictionary(x => x.p, x => 1000 + x.i);
        foreach (var stage in walk)
        {
            if (stage.Branch is { } b && BranchRegistry.Owner(b) is StabilityBranch && global::Lottery.Stability.InstabilityPath.TryLoad(stage.Directory) is { } path)
            {
                var copies = path.Copies.Select(c => StageSummary.TryLoad(Path.GetFullPath(Path.Combine(stage.Directory, c.Directory)))).OfType<StageSummary>().ToList();
                var trunk = StageSummary.TryLoad(stage.TrunkStage(layout).Directory);
                stability.Add((stage.Position, stage.Level ?? targetRank[stage.Target!.Value], trunk?.PercentRemaining ?? 100, path,
                    copies.Count == 0 ? double.NaN : copies.Average(c => c.Outcome.FinalTestAccuracy)));
                continue;
            }
            var name = stage.Branch is null ? Ticket : BranchRegistry.Owner(stage.Branch)?.Name;
            if (name is null || StageSummary.TryLoad(stage.Directory) is not { } summary) continue;
            stages.Add((stage.Position, stage.Level ?? targetRank[stage.Target!.Value], name, summary));
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
                    items.Select(i => i.Outcome.DivergedAt).OfType<int>().ToList(),
                    items.SelectMany(i => i.EmptyLayers ?? []).Distinct().ToList(),
                    items.SelectMany(i => i.SparseLayers ?? []).Distinct().ToList(),
                    items.Count(i => i.Outcome.EarlyStopAtEnd));
            }
            var ticket = g.FirstOrDefault(s => s.Series == Ticket).Summary ?? g.First().Summary;
            return new Row(g.Key.Label, ticket.PercentRemaining, cells);
        }).ToList();
        var stabilityRows = stability.GroupBy(x => (x.Label, x.Order, x.Path.RewindPoint)).OrderBy(g => g.Key.Order).ThenBy(g => g.First().Path.RewindIteration)
            .Select(g => new StabilityRow(g.Key.Label, g.Key.Order, g.Average(x => x.Percent), g.Key.RewindPoint, g.First().Path.RewindIteration,
                Statistic.Of(g.Select(x => x.Path.TestInstability))!, Statistic.Of(g.Select(x => x.Path.TrainInstability))!,
                Statistic.Of(g.Select(x => x.CopyAccuracy))!, g.Count(x => x.Path.Stable), g.Count(), g.First().Path.Threshold)).ToList();
        return new RunReport(Path.GetFileName(runDirectory.TrimEnd('/')), manifest.Kind, manifest.Hparams.Model.Model,
            manifest.Hparams.Dataset.Dataset, layout.Replicates().Count(), rows, series,
            manifest.Kind == "oneshot" ? ScoreRegistry.Of(manifest.Hparams.Pruning).Name : null, stabilityRows);
    }
}
