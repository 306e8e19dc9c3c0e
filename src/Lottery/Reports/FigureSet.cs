using System.Globalization;
using ScottPlot;

namespace Lottery.Reports;

/// <summary>
/// The paper's figures drawn with ScottPlot: early-stopping iteration and test accuracy against percent of weights
/// remaining (log axis, decreasing to the right as in the paper; mean with min–max error bars over replicates),
/// accuracy at the end of training, test accuracy during training at chosen levels, and per-layer density. Each kind
/// of series has one colour in every figure (<see cref="SeriesKinds.Color"/>); experiments side by side differ by
/// marker.
/// </summary>
public static class FigureSet
{
    public const int Width = 900, Height = 540;

    /// <summary>The paper's levels for the training-curve figure: the nearest level run is drawn for each.</summary>
    public static readonly IReadOnlyList<double> PaperCurveLevels = [100, 51.3, 21.1, 7.0, 3.6, 1.9];

    static readonly MarkerShape[] Markers = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.OpenCircle, MarkerShape.OpenSquare];
    static readonly LinePattern[] ExperimentPatterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];
    static readonly string[] LevelColors = ["#000000", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];

    public static IReadOnlyList<Figure> Draw(IReadOnlyList<ExperimentData> experiments, IReadOnlyList<ResultRow> rows, IReadOnlyList<double>? curveLevels = null)
    {
        var figures = new List<Figure>();
        bool any = rows.Count > 0;
        if (!any) return figures;
        foreach (var c in new[] { EarlyStopCriterion.ValidationLoss, EarlyStopCriterion.ValidationAccuracy })
        {
            string suffix = c == EarlyStopCriterion.ValidationLoss ? "" : "_by_val_acc";
            figures.Add(AgainstPercent(experiments, rows, $"early_stop_iteration{suffix}",
                "Early-stopping iteration", "Early-stop iteration (training iterations)",
                $"Iteration of the early stop ({EarlyStop.Describe(c)}) against percent of weights remaining. {Bars(rows)}",
                r => r.EarlyStopIteration(c), 1));
            figures.Add(AgainstPercent(experiments, rows, $"early_stop_test_accuracy{suffix}",
                "Test accuracy at early stop", "Test accuracy at early stop (%)",
                $"Test accuracy at the early-stopping iteration ({EarlyStop.Describe(c)}) against percent of weights remaining. {Bars(rows)}",
                r => r.EarlyStopTestAccuracy(c), 100));
        }
        figures.Add(EndAccuracy(experiments, rows));
        for (int i = 0; i < experiments.Count; i++)
        {
            var suffix = experiments.Count == 1 ? "" : $"_{i + 1}";
            if (Curves(experiments[i], curveLevels ?? PaperCurveLevels, $"test_accuracy_curves{suffix}") is { } curves) figures.Add(curves);
            if (Layers(experiments[i], $"layer_density{suffix}") is { } layers) figures.Add(layers);
        }
        return figures;
    }

    static string Bars(IReadOnlyList<ResultRow> rows)
    {
        var counts = rows.Select(r => r.Stages).Distinct().Order().ToList();
        var n = counts.Count == 1 ? $"{counts[0]}" : $"{counts[0]}–{counts[^1]}";
        return $"Each point is the mean over {n} stage{(counts[^1] == 1 ? "" : "s")} (replicates, and reinitialization draws); error bars span their minimum and maximum.";
    }

    static Color C(string hex) => Color.FromHex(hex);

    static string Percent(double p) => p.ToString(p >= 10 ? "0.#" : p >= 1 ? "0.0#" : "0.0##", CultureInfo.InvariantCulture);

    /// <summary>x = log10(percent), decreasing to the right, ticks labelled in percent at the levels present.</summary>
    static void PercentAxis(Plot plot, IEnumerable<double> percents)
    {
        var all = percents.Where(p => p > 0).Distinct().OrderByDescending(p => p).ToList();
        if (all.Count == 0) return;
        // At most about nine labels, so they never collide (LeNet's 20% rounds are 0.097 apart in log10).
        double spacing = Math.Max(0.09, (Math.Log10(all[0]) - Math.Log10(all[^1])) / 9);
        var ticks = new List<double>();
        foreach (var p in all)
            if (ticks.Count == 0 || Math.Log10(ticks[^1]) - Math.Log10(p) >= spacing - 1e-9) ticks.Add(p);
        var generator = new ScottPlot.TickGenerators.NumericManual();
        foreach (var t in ticks) generator.AddMajor(Math.Log10(t), Percent(t));
        plot.Axes.Bottom.TickGenerator = generator;
        double hi = Math.Log10(all[0]), lo = Math.Log10(all[^1]);
        double pad = Math.Max(0.04, (hi - lo) * 0.04);
        plot.Axes.SetLimitsX(hi + pad, lo - pad);
        plot.XLabel("Percent of weights remaining (log scale)");
    }

    /// <param name="legendBelow">Long legends (several experiments) go under the plot, short ones to its right:
    /// either way outside the data.</param>
    static Plot NewPlot(string title, string yLabel, bool legendBelow = false)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.Legend.FontSize = 12;
        plot.ShowLegend(legendBelow ? Edge.Bottom : Edge.Right);
        return plot;
    }

    static Figure Save(Plot plot, string stem, string title, string caption)
    {
        var png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        var svg = plot.GetSvgXml(Width, Height);
        return new Figure(stem, title, caption, png, svg);
    }

    /// <summary>The points of one kind of one experiment, ticket kinds starting from the dense network at 100%.</summary>
    static List<ResultRow> SeriesRows(IReadOnlyList<ResultRow> rows, string experiment, SeriesKind kind)
    {
        var list = rows.Where(r => r.Experiment == experiment && r.Kind == kind).ToList();
        if (kind.IsTicket() && list.Count > 0 && rows.FirstOrDefault(r => r.Experiment == experiment && r.Kind == SeriesKind.Dense) is { } dense)
            list.Insert(0, dense);
        return list.OrderByDescending(r => r.PercentRemaining).ToList();
    }

    static IEnumerable<SeriesKind> Kinds(IReadOnlyList<ResultRow> rows, string experiment)
    {
        var present = rows.Where(r => r.Experiment == experiment).Select(r => r.Kind).ToHashSet();
        // A dense-only experiment draws its single point as "dense network".
        bool tickets = present.Any(k => k.IsTicket());
        return SeriesKinds.Order.Where(k => present.Contains(k) && (k != SeriesKind.Dense || !tickets));
    }

    static Figure AgainstPercent(IReadOnlyList<ExperimentData> experiments, IReadOnlyList<ResultRow> rows, string stem, string title, string yLabel,
        string caption, Func<ResultRow, Statistic?> value, double scale)
    {
        var plot = NewPlot(title, yLabel, experiments.Count > 1);
        for (int e = 0; e < experiments.Count; e++)
        {
            var label = experiments[e].Label;
            foreach (var kind in Kinds(rows, label))
            {
                var points = SeriesRows(rows, label, kind).Where(r => value(r) is not null).ToList();
                if (points.Count == 0) continue;
                var line = MeanWithBars(plot, points, r => value(r)!, scale, C(kind.Color()));
                line.MarkerShape = Markers[e % Markers.Length];
                // Experiments of the same kind (with and without warmup, say) share the kind's colour: the line's
                // pattern and marker tell them apart.
                line.LinePattern = ExperimentPatterns[e % ExperimentPatterns.Length];
                int n = points.Max(r => r.Stages);
                line.LegendText = (experiments.Count > 1 ? $"{label}: " : "") + $"{kind.Name()} (n={n})";
            }
        }
        PercentAxis(plot, rows.Select(r => r.PercentRemaining));
        return Save(plot, stem, title, caption);
    }

    /// <summary>The means of <paramref name="points"/> against log10(percent remaining), joined by a line, with
    /// bars from each point's minimum to its maximum.</summary>
    static ScottPlot.Plottables.Scatter MeanWithBars(Plot plot, IReadOnlyList<ResultRow> points, Func<ResultRow, Statistic> value, double scale, Color color)
    {
        var xs = points.Select(r => Math.Log10(r.PercentRemaining)).ToArray();
        var stats = points.Select(value).ToArray();
        var ys = stats.Select(s => s.Mean * scale).ToArray();
        // ScottPlot's ErrorBar takes (xs, ys, x+, x-, y+, y-): above the mean up to the max, below down to the min.
        plot.Add.Plottable(new ScottPlot.Plottables.ErrorBar(xs, ys, null, null,
            stats.Select(s => (s.Max - s.Mean) * scale).ToArray(), stats.Select(s => (s.Mean - s.Min) * scale).ToArray())
            { Color = color, LineWidth = 1.2f, CapSize = 4 });
        var line = plot.Add.Scatter(xs, ys, color);
        line.LineWidth = 1.8f;
        line.MarkerSize = 7;
        return line;
    }

    static Figure EndAccuracy(IReadOnlyList<ExperimentData> experiments, IReadOnlyList<ResultRow> rows)
    {
        const string title = "Accuracy at the end of training";
        var plot = NewPlot(title, "Accuracy at the last iteration (%)", experiments.Count > 1);
        bool train = false;
        for (int e = 0; e < experiments.Count; e++)
        {
            var label = experiments[e].Label;
            foreach (var kind in Kinds(rows, label))
            {
                var points = SeriesRows(rows, label, kind);
                var prefix = (experiments.Count > 1 ? $"{label}: " : "") + kind.Name();
                foreach (var (pick, suffix, pattern) in new (Func<ResultRow, Statistic?>, string, LinePattern)[]
                         { (r => r.FinalTestAccuracy, "test", LinePattern.Solid), (r => r.FinalTrainAccuracy, "train", LinePattern.Dashed) })
                {
                    var some = points.Where(r => pick(r) is not null).ToList();
                    if (some.Count == 0) continue;
                    if (suffix == "train") train = true;
                    var line = MeanWithBars(plot, some, r => pick(r)!, 100, C(kind.Color()));
                    line.LinePattern = pattern;
                    line.MarkerShape = suffix == "train" ? MarkerShape.OpenCircle : Markers[e % Markers.Length];
                    line.LegendText = $"{prefix}, {suffix} (n={some.Max(r => r.Stages)})";
                }
            }
        }
        PercentAxis(plot, rows.Select(r => r.PercentRemaining));
        var caption = "Test accuracy (solid) " + (train ? "and training accuracy (dashed; the final weights measured on the training split, in evaluation mode) " : "") +
                      $"at the last training iteration against percent of weights remaining. {Bars(rows)}";
        return Save(plot, "end_accuracy", title, caption);
    }

    /// <summary>Test accuracy during training at the levels nearest the chosen percents: tickets solid, their
    /// reinitialized copies dashed, in the level's colour; the mean over replicates at each measurement of the test set.</summary>
    static Figure? Curves(ExperimentData experiment, IReadOnlyList<double> wanted, string stem)
    {
        var tickets = experiment.Stages.Where(s => s.Kind is SeriesKind.Dense or SeriesKind.Iterative or SeriesKind.Rewinding or SeriesKind.OneShot).ToList();
        if (tickets.Count == 0) return null;
        var byOrder = tickets.GroupBy(s => s.Order).ToDictionary(g => g.Key, g => g.Average(s => s.PercentRemaining));
        var chosen = wanted.Select(w => byOrder.MinBy(kv => Math.Abs(Math.Log(kv.Value) - Math.Log(w))).Key).Distinct().OrderBy(o => o).ToList();
        string title = "Test accuracy during training" + (experiment.Label.Length > 0 ? $": {experiment.Label}" : "");
        var plot = NewPlot("Test accuracy during training", "Test accuracy (%)");
        plot.XLabel("Training iteration");
        int colour = 0;
        var drawn = new List<(double Iteration, double Accuracy)>();
        foreach (var order in chosen)
        {
            var color = C(LevelColors[colour++ % LevelColors.Length]);
            foreach (var kind in new[] { SeriesKind.Dense, SeriesKind.Iterative, SeriesKind.Rewinding, SeriesKind.OneShot, SeriesKind.Reinit })
            {
                var stages = experiment.Stages.Where(s => s.Order == order && s.Kind == kind).ToList();
                if (stages.Count == 0) continue;
                var mean = MeanCurve(stages);
                if (mean.Count == 0) continue;
                drawn.AddRange(mean.Select(p => ((double)p.Iteration, p.Accuracy * 100)));
                var line = plot.Add.Scatter(mean.Select(p => (double)p.Iteration).ToArray(), mean.Select(p => p.Accuracy * 100).ToArray(), color);
                line.LineWidth = 1.6f;
                line.MarkerSize = 0;
                line.LinePattern = kind == SeriesKind.Reinit ? LinePattern.Dashed : LinePattern.Solid;
                line.LegendText = $"{Percent(byOrder[order])}%{(kind == SeriesKind.Reinit ? " reinit" : "")} (n={stages.Count})";
            }
        }
        // The paper's range: from a little below the lowest accuracy after the first twentieth of training to the top.
        if (drawn.Count > 0)
        {
            double last = drawn.Max(p => p.Iteration), top = drawn.Max(p => p.Accuracy);
            var floor = drawn.Where(p => p.Iteration >= last / 20).Select(p => p.Accuracy).DefaultIfEmpty(top).Min();
            plot.Axes.SetLimitsY(Math.Max(0, floor - 1), Math.Min(100, top + 0.5) + 0.01);
        }
        var caption = $"Test accuracy against training iteration for {experiment.Label}, at the levels nearest {string.Join(", ", wanted.Select(Percent))}% " +
                      "of weights remaining: winning tickets solid, their randomly reinitialized copies dashed (same colour); " +
                      "the mean over replicates at each iteration where the test set was measured.";
        return Save(plot, stem, title, caption);
    }

    static List<(int Iteration, double Accuracy)> MeanCurve(IReadOnlyList<StageRecord> stages)
    {
        var common = stages.Select(s => s.Metrics.Where(m => m.TestAccuracy is double a && double.IsFinite(a)).Select(m => m.Iteration).ToHashSet())
            .Aggregate((a, b) => { a.IntersectWith(b); return a; });
        return common.Order().Select(i => (i, stages.Average(s => s.Metrics.First(m => m.Iteration == i).TestAccuracy!.Value))).ToList();
    }

    /// <summary>Percent remaining of each prunable layer against the whole network's, over the ticket levels.</summary>
    static Figure? Layers(ExperimentData experiment, string stem)
    {
        var stages = experiment.Stages.Where(s => (s.Kind.IsTicket() || s.Kind == SeriesKind.Dense) && s.Sparsity is not null).ToList();
        if (stages.Select(s => s.Order).Distinct().Count() < 2) return null;
        var plot = NewPlot("Weights remaining per layer", "Percent of the layer's weights remaining");
        var positions = stages.GroupBy(s => s.Order).OrderBy(g => g.Key).ToList();
        var names = stages[0].Sparsity!.Layers.Select(l => l.Name).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < names.Count; i++)
        {
            var xs = positions.Select(g => Math.Log10(g.Average(s => s.PercentRemaining))).ToArray();
            var ys = positions.Select(g => g.Average(s => s.Sparsity!.Layers.FirstOrDefault(l => l.Name == names[i])?.PercentRemaining ?? double.NaN)).ToArray();
            var line = plot.Add.Scatter(xs, ys, palette.GetColor(i));
            // Layers pruned at the same rate coincide: earlier ones are drawn wider and with larger markers, so
            // every layer stays visible under the ones drawn over it.
            float weight = names.Count == 1 ? 0 : (float)(names.Count - 1 - i) / (names.Count - 1);
            line.LineWidth = 1.5f + 4f * weight;
            line.MarkerSize = 5 + 8 * weight;
            line.MarkerShape = Markers[i % Markers.Length];
            line.LegendText = names[i].Replace(".weight", "");
        }
        PercentAxis(plot, positions.Select(g => g.Average(s => s.PercentRemaining)));
        plot.Axes.Left.Min = 0;
        var caption = $"What pruning does to each layer of {experiment.Label}: the percent of each prunable tensor's weights remaining against the " +
                      $"whole network's ({experiment.Manifest.Hparams.Pruning.Strategy} pruning; mean over replicates).";
        return Save(plot, stem, "Weights remaining per layer", caption);
    }
}
