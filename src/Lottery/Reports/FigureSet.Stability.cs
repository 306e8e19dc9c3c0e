using System.Globalization;
using ScottPlot;

namespace Lottery.Reports;

/// <summary>The instability analysis's figures (Frankle et al. 2020, Figures 2–4): error along the linear path between
/// the two copies, a curve per rewind point; and instability against the rewind point, a curve per level.</summary>
public static partial class FigureSet
{
    static readonly string[] RewindColors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>The stability figures of every experiment with measured paths.</summary>
    public static IEnumerable<Figure> Stability(IReadOnlyList<ExperimentData> experiments)
    {
        var with = experiments.Where(e => e.Paths.Count > 0).ToList();
        for (int i = 0; i < with.Count; i++)
        {
            var e = with[i];
            var suffix = with.Count == 1 ? "" : $"_{experiments.ToList().IndexOf(e) + 1}";
            foreach (var position in e.Paths.GroupBy(p => (p.Order, p.Position)).OrderBy(g => g.Key.Order))
                yield return PathFigure(e, position.Key.Position, position.ToList(), $"instability_path{suffix}_{Stem(position.Key.Position)}");
            yield return AgainstRewindPoint(e, $"instability_vs_rewind{suffix}");
        }
    }

    static string Stem(string position) => position.Replace("one-shot ", "target_").Replace("level ", "level_").Replace("%", "").Replace('.', '_');

    static Figure PathFigure(ExperimentData experiment, string position, IReadOnlyList<PathRecord> paths, string stem)
    {
        double percent = paths.Average(p => p.PercentRemaining);
        var title = $"Error along the linear path: {position} ({Percent(percent)}% remaining)";
        var plot = NewPlot(title, "Error (%)");
        plot.XLabel("Interpolation α: (1 − α)·W1 + α·W2");
        int colour = 0;
        var drawn = new List<double>();
        foreach (var k in paths.GroupBy(p => p.Path.RewindIteration).OrderBy(g => g.Key))
        {
            var color = C(RewindColors[colour++ % RewindColors.Length]);
            var list = k.ToList();
            var alphas = list[0].Path.Alpha.ToArray();
            foreach (var (pick, set, pattern) in new (Func<global::Lottery.Stability.InstabilityPath, IReadOnlyList<double>>, string, LinePattern)[]
                         { (p => p.TestError, "test", LinePattern.Solid), (p => p.TrainError, "train", LinePattern.Dashed) })
            {
                var ys = alphas.Select((_, j) => list.Average(p => pick(p.Path)[j]) * 100).ToArray();
                drawn.AddRange(ys);
                var line = plot.Add.Scatter(alphas, ys, color);
                line.LinePattern = pattern;
                line.LineWidth = 1.8f;
                line.MarkerSize = set == "test" ? 5 : 0;
                line.LegendText = $"k = {list[0].Path.RewindPoint}, {set} (n={list.Count})";
            }
        }
        ReadableY(plot, drawn);
        var caption = $"Test error (solid) and training error (dashed) of the networks on the linear path between the two copies of {experiment.Label} " +
                      $"at {position}, each trained from its rewind point k with different SGD noise; the mean over replicates at each of the path's points. " +
                      "Instability is the largest error along the path minus the mean of the endpoints' errors.";
        return Save(plot, stem, title, caption);
    }

    static Figure AgainstRewindPoint(ExperimentData experiment, string stem)
    {
        const string title = "Instability against the rewind point";
        var plot = NewPlot(title, "Test error barrier (percentage points)");
        var ks = experiment.Paths.Select(p => (p.Path.RewindIteration, p.Path.RewindPoint)).Distinct().OrderBy(k => k.RewindIteration).ToList();
        var x = ks.Select((k, i) => (k.RewindIteration, (double)i)).ToDictionary(t => t.RewindIteration, t => t.Item2);
        var palette = new ScottPlot.Palettes.Category10();
        int n = 0;
        var drawn = new List<double>();
        foreach (var position in experiment.Paths.GroupBy(p => (p.Order, p.Position)).OrderBy(g => g.Key.Order))
        {
            var byK = position.GroupBy(p => p.Path.RewindIteration).OrderBy(g => g.Key).ToList();
            var xs = byK.Select(g => x[g.Key]).ToArray();
            var stats = byK.Select(g => Statistic.Of(g.Select(p => p.Path.TestInstability * 100))!).ToArray();
            var ys = stats.Select(s => s.Mean).ToArray();
            drawn.AddRange(stats.SelectMany(s => new[] { s.Min, s.Max }));
            var color = palette.GetColor(n++);
            plot.Add.Plottable(new ScottPlot.Plottables.ErrorBar(xs, ys, null, null, stats.Select(s => s.Max - s.Mean).ToArray(), stats.Select(s => s.Mean - s.Min).ToArray())
                { Color = color, LineWidth = 1.2f, CapSize = 4 });
            var line = plot.Add.Scatter(xs, ys, color);
            line.LineWidth = 1.8f;
            line.MarkerSize = 7;
            line.LegendText = $"{position.Key.Position} ({Percent(position.Average(p => p.PercentRemaining))}%, n={byK.Max(g => g.Count())})";
        }
        var threshold = experiment.Paths[0].Path.Threshold * 100;
        var limit = plot.Add.HorizontalLine(threshold, 1, C("#888888"), LinePattern.Dotted);
        limit.LegendText = $"stable below {threshold.ToString("0.##", CultureInfo.InvariantCulture)} points";
        drawn.Add(threshold);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var (iteration, point) in ks) ticks.AddMajor(x[iteration], point);
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.XLabel("Rewind point k (evenly spaced)");
        plot.Axes.SetLimitsX(-0.3, Math.Max(1, ks.Count - 1) + 0.3);
        ReadableY(plot, drawn);
        plot.Axes.Left.Min = Math.Min(0, drawn.Min());
        var caption = $"Instability of {experiment.Label} against the rewind point k the two copies start from: the test error barrier of the linear path " +
                      "between them (the largest test error along it minus the mean of its endpoints'), a curve per stage, the mean over replicates with min–max bars.";
        return Save(plot, stem, title, caption);
    }
}
