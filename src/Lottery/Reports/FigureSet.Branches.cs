using ScottPlot;

namespace Lottery.Reports;

public static partial class FigureSet
{
    /// <summary>Whether a series is drawn as a line against percent remaining: always in a report of one experiment; in a
    /// report of several, a branch only where it spans two or more stages (a control along the levels, as the paper's
    /// reinitialized tickets). A branch at a single stage (the sanity checks of pruning at initialization, run at the
    /// smallest density) is one point per method: drawn as lines those crowd the legend past what the figure can show
    /// and a collapsed one (an inversion at chance) stretches the axis until the methods' differences vanish, so they go
    /// into <see cref="BranchesAtOneStage"/>, beside their tickets.</summary>
    static bool AsLine(int experiments, IReadOnlyList<ResultRow> rows, string experiment, SeriesKind kind) =>
        experiments == 1 || kind.Branch is null || rows.Where(r => r.Experiment == experiment && r.Kind == kind).Select(r => r.Order).Distinct().Count() >= 2;

    /// <summary>
    /// For each density where branches stand at a single stage: each method's ticket and the branches run from it, side by
    /// side, methods along the x axis (Frankle et al. 2021's presentation of the sanity checks). Test accuracy at early stop
    /// (minimum validation loss), mean over replicates with bars from minimum to maximum.
    /// </summary>
    static IEnumerable<Figure> BranchesAtOneStage(IReadOnlyList<ExperimentData> experiments, IReadOnlyList<ResultRow> rows, SeriesStyles styles)
    {
        var branchRows = rows.Where(r => r.Kind.Branch is not null && !AsLine(experiments.Count, rows, r.Experiment, r.Kind)).ToList();
        // Stages of different methods within 2% of each other (in percent remaining) are one density.
        foreach (var cluster in ByDensity(branchRows, r => r.PercentRemaining))
        {
            var methods = experiments.Where(e => cluster.Any(r => r.Experiment == e.Label)).ToList();
            var tickets = methods.Select(e => rows.FirstOrDefault(r => r.Experiment == e.Label && r.Kind.IsTicket
                && r.Order == cluster.First(c => c.Experiment == e.Label).Order)).ToList();
            var kinds = SeriesKind.Order.Where(k => cluster.Any(r => r.Kind == k)).ToList();
            double percent = cluster.Average(r => r.PercentRemaining);
            string title = $"Tickets and their branches at {Percent(percent)}% of weights remaining";
            var plot = NewPlot(title, "Test accuracy at early stop (%)", legendBelow: true);
            // The ticket first, then each branch, spread over 80% of a method's slot.
            int slots = kinds.Count + 1;
            double Offset(int slot) => -0.4 + 0.8 * (slot + 0.5) / slots;
            var series = new List<(string Legend, string Color, MarkerShape Marker, List<(double X, Statistic Value)> Points)>
            {
                ("the method's ticket", "#333333", MarkerShape.FilledCircle,
                    tickets.Select((t, i) => (i + Offset(0), t?.EarlyStopTestAccuracyByLoss)).Where(p => p.Item2 is not null).Select(p => (p.Item1, p.Item2!)).ToList()),
            };
            for (int k = 0; k < kinds.Count; k++)
            {
                var kind = kinds[k];
                var points = methods.Select((e, i) => (X: i + Offset(k + 1), Row: cluster.FirstOrDefault(r => r.Experiment == e.Label && r.Kind == kind)))
                    .Where(p => p.Row?.EarlyStopTestAccuracyByLoss is not null).Select(p => (p.X, p.Row!.EarlyStopTestAccuracyByLoss!)).ToList();
                series.Add((kind.Name, kind.Color, SeriesStyles.Marker(kind), points));
            }
            foreach (var (legend, color, marker, points) in series.Where(s => s.Points.Count > 0))
            {
                var dots = MeanWithBars(plot, points.Select(p => p.X).ToArray(), points.Select(p => p.Value).ToArray(), 100, C(color), []);
                dots.LineWidth = 0;   // points, not a line: the methods along the axis are not a sequence
                dots.MarkerShape = marker;
                dots.MarkerSize = 9;
                dots.LegendText = $"{legend} (n={points.Max(p => p.Value.Count)})";
            }
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            // Two lines where a name would run into its neighbour's.
            for (int i = 0; i < methods.Count; i++)
            {
                var name = styles.Short(methods[i].Label);
                int cut = name.Length > 12 ? name.LastIndexOf(' ', 12) : -1;
                ticks.AddMajor(i, cut > 0 ? name[..cut] + "\n" + name[(cut + 1)..] : name);
            }
            plot.Axes.Bottom.TickGenerator = ticks;
            plot.Axes.SetLimitsX(-0.6, methods.Count - 0.4);
            plot.XLabel("Method");
            var caption = $"At about {Percent(percent)}% of weights remaining, each method's ticket (filled) beside the branches run from it, " +
                          "test accuracy at early stop (minimum validation loss); the mean over replicates, bars from minimum to maximum. " +
                          "A branch that lands on its ticket changed nothing that mattered: shuffling keeps only the per-layer densities, " +
                          "reinitializing only the mask, inverting keeps the weights the method ranked lowest.";
            yield return Save(plot, $"branches_at_{Percent(percent).Replace('.', '_')}", title, caption, legendBelow: true);
        }
    }
}
