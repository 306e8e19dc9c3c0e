using System.Globalization;
using ScottPlot;

namespace Lottery.Reports;

/// <summary>
/// The paper's figures drawn with ScottPlot: early-stopping iteration and test accuracy against percent of weights
/// remaining (log axis, decreasing to the right as in the paper; mean with min–max error bars over replicates), under
/// either early-stop criterion, accuracy at the end of training, test accuracy during training at chosen levels,
/// per-layer density, and, when several experiments share a dense network (methods side by side), the per-layer
/// density of each method at each density they share, and branches run at a single stage beside their tickets.
/// Colours, markers and patterns: <see cref="SeriesStyles"/>.
/// </summary>
public static partial class FigureSet
{
    public const int Width = 900, Height = 540;

    /// <summary>The paper's levels for the training-curve figure: the nearest level run is drawn for each.</summary>
    public static readonly IReadOnlyList<double> PaperCurveLevels = [100, 51.3, 21.1, 7.0, 3.6, 1.9];

    static readonly MarkerShape[] Markers = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.OpenCircle, MarkerShape.OpenSquare];
    static readonly string[] LevelColors = ["#000000", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];

    public static IReadOnlyList<Figure> Draw(IReadOnlyList<ExperimentData> experiments, IReadOnlyList<ResultRow> rows, IReadOnlyList<double>? curveLevels = null)
    {
        var figures = new List<Figure>();
        if (rows.Count == 0) return [.. Stability(experiments)];
        var styles = new SeriesStyles(experiments);
        foreach (var c in new[] { EarlyStopCriterion.ValidationLoss, EarlyStopCriterion.ValidationAccuracy })
        {
            string suffix = c == EarlyStopCriterion.ValidationLoss ? "" : "_by_val_acc";
            string by = c == EarlyStopCriterion.ValidationLoss ? "early stop at minimum validation loss" : "early stop at maximum validation accuracy";
            figures.Add(AgainstPercent(experiments, rows, styles, $"early_stop_iteration{suffix}",
                $"Early-stopping iteration ({by})", "Early-stop iteration (training iterations)",
                $"Iteration of the early stop ({EarlyStop.Describe(c)}) against percent of weights remaining. {Bars(rows)}",
                r => r.EarlyStopIteration(c), 1, c, iteration: true));
            figures.Add(AgainstPercent(experiments, rows, styles, $"early_stop_test_accuracy{suffix}",
                $"Test accuracy at early stop ({by})", "Test accuracy at early stop (%)",
                $"Test accuracy at the early-stopping iteration ({EarlyStop.Describe(c)}) against percent of weights remaining. {Bars(rows)}",
                r => r.EarlyStopTestAccuracy(c), 100, c, iteration: false));
        }
        figures.Add(EndAccuracy(experiments, rows, styles));
        for (int i = 0; i < experiments.Count; i++)
        {
            var suffix = experiments.Count == 1 ? "" : $"_{i + 1}";
            if (Curves(experiments[i], curveLevels ?? PaperCurveLevels, $"test_accuracy_curves{suffix}") is { } curves) figures.Add(curves);
            if (Layers(experiments[i], $"layer_density{suffix}") is { } layers) figures.Add(layers);
        }
        figures.AddRange(LayersByMethod(experiments, styles));
        figures.AddRange(BranchesAtOneStage(experiments, rows, styles));
        figures.AddRange(Stability(experiments));
        return figures;
    }

    static string Bars(IReadOnlyList<ResultRow> rows)
    {
        var counts = rows.Select(r => r.Stages).Distinct().Order().ToList();
        var n = counts.Count == 1 ? $"{counts[0]}" : $"{counts[0]}–{counts[^1]}";
        return $"Each point is the mean over {n} stage{(counts[^1] == 1 ? "" : "s")} (replicates, and reinitialization draws); error bars span their minimum and maximum.";
    }

    internal static Color C(string hex) => Color.FromHex(hex);

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

    /// <summary>A y range people can read when the values (and their bars) barely differ: ScottPlot would zoom into a
    /// range of a few units and label it "1,600 1,600 1,601"; instead the values get ±5% (at least ±1 unit) around them.</summary>
    internal static void ReadableY(Plot plot, IReadOnlyCollection<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return;
        double lo = finite.Min(), hi = finite.Max();
        double pad = Math.Max(1, Math.Abs((lo + hi) / 2) * 0.05);
        if (hi - lo < pad) plot.Axes.SetLimitsY((lo + hi) / 2 - pad, (lo + hi) / 2 + pad);
    }

    /// <summary>A title that names a long experiment ("…, one-shot magnitude_init at initialization, global") is set
    /// smaller until it fits the figure's width, down to 10 points, instead of running off both edges (the title is centred
    /// over the data area, which the axis labels and the legend push off the figure's centre: hence the wide margin).</summary>
    static void FitTitle(Plot plot)
    {
        var label = plot.Axes.Title.Label;
        using var paint = Paint.NewDisposablePaint();
        while (label.FontSize > 10 && label.Measure(paint).Width > Width - 200) label.FontSize -= 0.5f;
    }

    /// <param name="legendBelow">Long legends (several experiments) go under the plot, short ones to its right:
    /// either way outside the data.</param>
    internal static Plot NewPlot(string title, string yLabel, bool legendBelow = false)
    {
        var plot = new Plot();
        plot.Title(title);
        FitTitle(plot);
        plot.YLabel(yLabel);
        plot.Legend.FontSize = 12;
        plot.ShowLegend(legendBelow ? Edge.Bottom : Edge.Right);
        // One entry per line under the plot too: ScottPlot lays a legend under the plot out in a row when it measures the
        // panel (one line tall) but wraps it when it draws, so a long legend was cut off below the figure's edge.
        if (legendBelow) plot.Legend.Orientation = Orientation.Vertical;
        return plot;
    }

    /// <summary>Renders the figure; a legend under the plot adds its own measured height beyond a one-entry legend's, so
    /// the data area is the same size whatever the number of entries and no entry is cut off.</summary>
    internal static Figure Save(Plot plot, string stem, string title, string caption, bool legendBelow = false, int extraHeight = 0)
    {
        int height = (legendBelow ? Height + Math.Max(0, LegendBelowHeight(plot) - OneEntryLegendBelow) : Height) + extraHeight;
        var png = plot.GetImageBytes(Width, height, ImageFormat.Png);
        var svg = plot.GetSvgXml(Width, height);
        return new Figure(stem, title, caption, png, svg, Width, height);
    }


    /// <summary>The height in pixels of a legend under the plot (its panel: entries, box and margins), measured before the
    /// first render, when ScottPlot measures the whole legend rather than what the last render had room to draw.</summary>
    internal static int LegendBelowHeight(Plot plot)
    {
        using var paint = Paint.NewDisposablePaint();
        var panel = plot.Axes.GetPanels().OfType<ScottPlot.Panels.LegendPanel>().FirstOrDefault();
        return panel is null ? 0 : (int)Math.Ceiling(panel.Measure(paint));
    }

    /// <summary>What a one-entry legend under the plot measures (12-point entries): a figure whose legend is that
    /// short keeps the standard height.</summary>
    const int OneEntryLegendBelow = 64;

    /// <summary>The points of one kind of one experiment, ticket kinds starting from the dense network at 100%.</summary>
    static List<ResultRow> SeriesRows(IReadOnlyList<ResultRow> rows, string experiment, SeriesKind kind)
    {
        var list = rows.Where(r => r.Experiment == experiment && r.Kind == kind).ToList();
        if (kind.IsTicket && list.Count > 0 && rows.FirstOrDefault(r => r.Experiment == experiment && r.Kind == SeriesKind.Dense) is { } dense)
            list.Insert(0, dense);
        return list.OrderByDescending(r => r.PercentRemaining).ToList();
    }

    /// <summary>The kinds of an experiment drawn as lines (the dense network is drawn on its own).</summary>
    static IEnumerable<SeriesKind> Kinds(IReadOnlyList<ResultRow> rows, string experiment)
    {
        var present = rows.Where(r => r.Experiment == experiment).Select(r => r.Kind).ToHashSet();
        return SeriesKind.Order.Where(k => present.Contains(k) && k != SeriesKind.Dense);
    }

    /// <summary>The dense rows to draw as their own points: one per distinct dense network (experiments that share one,
    /// as a method pruned at initialization shares the dense run it is compared with, show it once). One dense network is
    /// a black square; several (experiments at different learning rates each train their own) are squares in their
    /// experiments' colours, or the legend would hold identical black squares.</summary>
    static IEnumerable<(ResultRow Row, string Legend, string Color)> DenseRows(IReadOnlyList<ExperimentData> experiments, IReadOnlyList<ResultRow> rows, SeriesStyles styles)
    {
        var seen = new HashSet<string>();
        bool several = styles.SeveralDenseNetworks;
        foreach (var e in experiments)
        {
            if (rows.FirstOrDefault(r => r.Experiment == e.Label && r.Kind == SeriesKind.Dense) is not { } dense || !seen.Add(e.DenseIdentity)) continue;
            yield return (dense, (several ? $"{styles.Short(e.Label)}: " : "") + $"dense network (n={dense.Stages})",
                styles.Color(e.Label, SeriesKind.Dense));
        }
    }

    /// <summary>The colour of the rings around early stops at their stage's last measurement.</summary>
    internal const string AtEndRingColor = "#555555";

    /// <summary>The legend entry of those rings, by figure: the iteration is a lower bound; the accuracy is that of a
    /// network still improving. Short: a legend to the right of the plot takes its width from its longest entry.</summary>
    internal static string AtEndLegend(bool iteration) => iteration ? "lower bound (still improving)" : "still improving at the end";

    static Figure AgainstPercent(IReadOnlyList<ExperimentData> experiments, IReadOnlyList<ResultRow> rows, SeriesStyles styles, string stem, string title, string yLabel,
        string caption, Func<ResultRow, Statistic?> value, double scale, EarlyStopCriterion criterion, bool iteration)
    {
        var plot = NewPlot(title, yLabel, experiments.Count > 1);
        var drawn = new List<double>();
        var missing = new List<string>();
        // Points whose early stop is (in some of their stages) the stage's last measurement: ringed, so that the figure, not
        // only the table's "(end)", shows which early stops the end of training cut (a point drawn twice, as the dense one
        // starting each ticket line is, is ringed once).
        var atEnd = new Dictionary<ResultRow, double>(ReferenceEqualityComparer.Instance);
        void Ring(IEnumerable<ResultRow> points)
        {
            foreach (var r in points)
                if (r.EarlyStopCensored(criterion) && value(r) is { } v) atEnd.TryAdd(r, v.Mean * scale);
        }
        foreach (var e in experiments)
            foreach (var kind in Kinds(rows, e.Label).Where(k => AsLine(experiments.Count, rows, e.Label, k)))
            {
                var all = SeriesRows(rows, e.Label, kind);
                var points = all.Where(r => value(r) is not null).ToList();
                // A series with no value of its own (test accuracy is measured every --test-every, so at a maximum of
                // validation accuracy between two tests there is none) is not drawn: the dense point alone is no line.
                // The caption names it, so that a reader does not take its absence for a result.
                if (!points.Any(r => r.Kind == kind))
                {
                    if (all.Any(r => r.Kind == kind)) missing.Add(styles.Legend(e.Label, kind, all.Where(r => r.Kind == kind).Max(r => r.Stages)));
                    continue;
                }
                var line = MeanWithBars(plot, points, r => value(r)!, scale, C(styles.Color(e.Label, kind)), drawn);
                line.MarkerShape = SeriesStyles.Marker(kind);
                line.LinePattern = SeriesStyles.Pattern(kind);
                line.LegendText = styles.Legend(e.Label, kind, points.Where(r => r.Kind == kind).Max(r => r.Stages));
                Ring(points);
            }
        foreach (var (dense, legend, color) in DenseRows(experiments, rows, styles))
            if (value(dense) is { } v)
            {
                var point = MeanWithBars(plot, [dense], _ => v, scale, C(color), drawn);
                point.MarkerShape = SeriesStyles.Marker(SeriesKind.Dense);
                point.MarkerSize = 10;
                point.LegendText = legend;
                Ring([dense]);
            }
            else missing.Add(legend);
        if (atEnd.Count > 0)
        {
            var rings = plot.Add.Markers(atEnd.Keys.Select(r => Math.Log10(r.PercentRemaining)).ToArray(), atEnd.Values.ToArray(),
                MarkerShape.OpenCircle, 18, C(AtEndRingColor));
            rings.MarkerLineWidth = 1.5f;
            rings.LegendText = AtEndLegend(iteration);
            caption += " " + AtEndCaption(atEnd.Keys.ToList(), criterion, iteration);
        }
        PercentAxis(plot, rows.Select(r => r.PercentRemaining));
        ReadableY(plot, drawn);
        if (missing.Count > 0)
            caption += $" Not drawn, having no value at this early stop: {string.Join("; ", missing)}. The test set is evaluated every " +
                "--test-every iterations, at each new minimum of validation loss and at the end, so an early stop between two of " +
                "those (a maximum of validation accuracy, when tests are sparser than validations) has no test accuracy.";
        return Save(plot, stem, title, caption, experiments.Count > 1);
    }

    /// <summary>The caption's sentence on the ringed points: how many, and what the ring means for this figure.</summary>
    internal static string AtEndCaption(IReadOnlyList<ResultRow> ringed, EarlyStopCriterion criterion, bool iteration)
    {
        bool one = ringed.Count == 1;
        bool some = ringed.Any(r => r.EarlyStopsAtEnd(criterion) < r.Stages);
        var where = some ? "in some or all of its stages (the table's \"(end: k of n)\" or \"(end)\")" : "in every stage (the table's \"(end)\")";
        var what = iteration
            ? (one ? "its early-stop iteration is a lower bound" : "their early-stop iterations are lower bounds") + ", and a speed-up measured against one is a bound too"
            : (one ? "its accuracy is that of a network still improving" : "their accuracies are those of networks still improving") + ", not past their best";
        return $"A grey ring marks {(one ? "the point" : $"the {ringed.Count} points")} whose criterion was still improving at the last measurement, " +
               $"{(one ? where : where.Replace("of its stages", "of their stages"))}: {what}.";
    }

    /// <summary>The means of <paramref name="points"/> against log10(percent remaining), joined by a line, with
    /// bars from each point's minimum to its maximum; every value drawn (bars included) goes into <paramref name="drawn"/>.</summary>
    static ScottPlot.Plottables.Scatter MeanWithBars(Plot plot, IReadOnlyList<ResultRow> points, Func<ResultRow, Statistic> value, double scale, Color color,
        List<double> drawn) =>
        MeanWithBars(plot, points.Select(r => Math.Log10(r.PercentRemaining)).ToArray(), points.Select(value).ToArray(), scale, color, drawn);

    /// <summary>The means of <paramref name="stats"/> at <paramref name="xs"/>, joined by a line, with bars from each
    /// minimum to maximum; every value drawn (bars included) goes into <paramref name="drawn"/>.</summary>
    static ScottPlot.Plottables.Scatter MeanWithBars(Plot plot, double[] xs, Statistic[] stats, double scale, Color color, List<double> drawn)
    {
        var ys = stats.Select(s => s.Mean * scale).ToArray();
        drawn.AddRange(stats.SelectMany(s => new[] { s.Min * scale, s.Max * scale }));
        // ScottPlot's ErrorBar takes (xs, ys, x+, x-, y+, y-): above the mean up to the max, below down to the min.
        plot.Add.Plottable(new ScottPlot.Plottables.ErrorBar(xs, ys, null, null,
            stats.Select(s => (s.Max - s.Mean) * scale).ToArray(), stats.Select(s => (s.Mean - s.Min) * scale).ToArray())
            { Color = color, LineWidth = 1.2f, CapSize = 4 });
        var line = plot.Add.Scatter(xs, ys, color);
        line.LineWidth = 1.8f;
        line.MarkerSize = 7;
        return line;
    }

    /// <summary>Groups items by density: those within 2% of a group's first (in percent remaining, largest first) join it,
    /// where <paramref name="fits"/> allows (e.g. one stage per experiment).</summary>
    static List<List<T>> ByDensity<T>(IEnumerable<T> items, Func<T, double> percent, Func<List<T>, T, bool>? fits = null)
    {
        var groups = new List<List<T>>();
        foreach (var item in items.OrderByDescending(percent))
        {
            var home = groups.FirstOrDefault(g => Math.Abs(Math.Log(percent(g[0]) / percent(item))) < 0.02 && (fits?.Invoke(g, item) ?? true));
            if (home is null) groups.Add([item]); else home.Add(item);
        }
        return groups;
    }

    /// <summary>The opacity of the training-accuracy series beside the test accuracy's.</summary>
    internal const double TrainOpacity = 0.4;

    static Figure EndAccuracy(IReadOnlyList<ExperimentData> experiments, IReadOnlyList<ResultRow> rows, SeriesStyles styles)
    {
        const string title = "Accuracy at the end of training";
        var plot = NewPlot(title, "Accuracy at the last iteration (%)", experiments.Count > 1);
        bool train = false;
        var drawn = new List<double>();
        // Training accuracy is the same series faded: the same marker and line pattern (which tell the kind) in a paler
        // colour. A dashed line with open circles for it was the random reinitialization's own style, so a ticket's
        // training accuracy and its copy's test accuracy looked alike.
        var picks = new (Func<ResultRow, Statistic?> Pick, string Suffix, double Opacity)[]
            { (r => r.FinalTestAccuracy, "test", 1.0), (r => r.FinalTrainAccuracy, "train", TrainOpacity) };
        foreach (var e in experiments)
            foreach (var kind in Kinds(rows, e.Label).Where(k => AsLine(experiments.Count, rows, e.Label, k)))
            {
                var points = SeriesRows(rows, e.Label, kind);
                foreach (var (pick, suffix, opacity) in picks)
                {
                    var some = points.Where(r => pick(r) is not null).ToList();
                    if (some.Count == 0) continue;
                    if (suffix == "train") train = true;
                    var line = MeanWithBars(plot, some, r => pick(r)!, 100, C(styles.Color(e.Label, kind)).WithOpacity(opacity), drawn);
                    line.LinePattern = SeriesStyles.Pattern(kind);
                    line.MarkerShape = SeriesStyles.Marker(kind);
                    var legend = styles.Legend(e.Label, kind, some.Where(r => r.Kind == kind).DefaultIfEmpty(some[0]).Max(r => r.Stages));
                    line.LegendText = legend.Replace(" (n=", $", {suffix} (n=");
                }
            }
        foreach (var (dense, legend, color) in DenseRows(experiments, rows, styles))
            foreach (var (pick, suffix, opacity) in picks)
                if (pick(dense) is { } v)
                {
                    var point = MeanWithBars(plot, [dense], _ => v, 100, C(color).WithOpacity(opacity), drawn);
                    point.MarkerShape = MarkerShape.FilledSquare;
                    point.MarkerSize = 10;
                    point.LegendText = legend.Replace(" (n=", $", {suffix} (n=");
                }
        PercentAxis(plot, rows.Select(r => r.PercentRemaining));
        ReadableY(plot, drawn);
        var caption = "Test accuracy " + (train ? "and training accuracy (the same series faded; the final weights measured on the training split, in evaluation mode) " : "") +
                      $"at the last training iteration against percent of weights remaining. {Bars(rows)}";
        return Save(plot, "end_accuracy", title, caption, experiments.Count > 1);
    }

    /// <summary>Test accuracy during training at the levels nearest the chosen percents: tickets solid, their
    /// reinitialized copies dashed, in the level's colour; the mean over replicates at each measurement of the test set.</summary>
    static Figure? Curves(ExperimentData experiment, IReadOnlyList<double> wanted, string stem)
    {
        var reinit = SeriesKind.Of("reinit");
        var tickets = experiment.Stages.Where(s => s.Kind == SeriesKind.Dense || s.Kind.IsTicket).ToList();
        if (tickets.Count == 0) return null;
        var byOrder = tickets.GroupBy(s => s.Order).ToDictionary(g => g.Key, g => g.Average(s => s.PercentRemaining));
        var chosen = wanted.Select(w => byOrder.MinBy(kv => Math.Abs(Math.Log(kv.Value) - Math.Log(w))).Key).Distinct().OrderBy(o => o).ToList();
        // Named after its experiment in the image too, as the per-layer figure is: a report of several has one of each,
        // and the image alone (opened from figures/) must say which it is.
        string title = "Test accuracy during training" + (experiment.Label.Length > 0 ? $": {experiment.Label}" : "");
        var plot = NewPlot(title, "Test accuracy (%)");
        plot.XLabel("Training iteration");
        int colour = 0;
        var drawn = new List<(double Iteration, double Accuracy)>();
        foreach (var order in chosen)
        {
            var color = C(LevelColors[colour++ % LevelColors.Length]);
            foreach (var kind in new[] { SeriesKind.Dense, SeriesKind.Iterative, SeriesKind.Rewinding, SeriesKind.OneShot, reinit })
            {
                var stages = experiment.Stages.Where(s => s.Order == order && s.Kind == kind).ToList();
                if (stages.Count == 0) continue;
                var mean = MeanCurve(stages);
                if (mean.Count == 0) continue;
                drawn.AddRange(mean.Select(p => ((double)p.Iteration, p.Accuracy * 100)));
                var line = plot.Add.Scatter(mean.Select(p => (double)p.Iteration).ToArray(), mean.Select(p => p.Accuracy * 100).ToArray(), color);
                line.LineWidth = 1.6f;
                line.MarkerSize = 0;
                line.LinePattern = kind == reinit ? LinePattern.Dashed : LinePattern.Solid;
                line.LegendText = $"{Percent(byOrder[order])}%{(kind == reinit ? " reinit" : kind == SeriesKind.Dense ? " (dense)" : "")} (n={stages.Count})";
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
        var stages = experiment.Stages.Where(s => (s.Kind.IsTicket || s.Kind == SeriesKind.Dense) && s.Sparsity is not null).ToList();
        if (stages.Select(s => s.Order).Distinct().Count() < 2) return null;
        // Named after its experiment, as the training curves are: a report of several has one of each.
        var title = $"Weights remaining per layer: {experiment.Label}";
        var plot = NewPlot(title, "Percent of the layer's weights remaining");
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
        return Save(plot, stem, title, caption);
    }

    /// <summary>
    /// Methods side by side: at each density that two or more experiments reach (within 2% of each other), the percent
    /// of each layer's weights each method keeps, layer by layer. What the sanity checks are about: methods that prune
    /// at initialization are judged by these per-layer densities alone (shuffling within layers keeps them).
    /// </summary>
    static IEnumerable<Figure> LayersByMethod(IReadOnlyList<ExperimentData> experiments, SeriesStyles styles)
    {
        if (experiments.Count < 2) yield break;
        var positions = experiments.SelectMany(e => e.Stages.Where(s => s.Kind.IsTicket && s.Sparsity is not null)
                .GroupBy(s => s.Order).Select(g => (Experiment: e, Percent: g.Average(s => s.PercentRemaining), Stages: g.ToList())))
            .ToList();
        var clusters = ByDensity(positions, p => p.Percent, (c, p) => c.All(x => x.Experiment != p.Experiment));
        foreach (var cluster in clusters.Where(c => c.Count >= 2))
        {
            var names = cluster[0].Stages[0].Sparsity!.Layers.Select(l => l.Name).ToList();
            double percent = cluster.Average(c => c.Percent);
            var title = $"Weights remaining per layer at {Percent(percent)}%, by method";
            var plot = NewPlot(title, "Layer's weights remaining, % (log scale)", legendBelow: true);
            foreach (var (experiment, p, stages) in cluster)
            {
                var ys = names.Select(n => stages.Average(s => s.Sparsity!.Layers.FirstOrDefault(l => l.Name == n)?.PercentRemaining ?? double.NaN))
                    .Select(v => Math.Log10(Math.Max(v, 1e-3))).ToArray();
                var line = plot.Add.Scatter(Enumerable.Range(0, names.Count).Select(i => (double)i).ToArray(), ys, C(styles.Color(experiment.Label, stages[0].Kind)));
                line.LineWidth = 1.8f;
                line.MarkerSize = 8;
                line.LegendText = $"{styles.Short(experiment.Label)} ({Percent(p)}%, n={stages.Count})";
            }
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            var labels = names.Select(n => n.Replace(".weight", "")).ToList();
            for (int i = 0; i < names.Count; i++) ticks.AddMajor(i, labels[i]);
            plot.Axes.Bottom.TickGenerator = ticks;
            // A deep network's names (ResNet-20: 22 layers, "block2_1.conv1") run into each other level: set them at an
            // angle, in a margin as tall as the longest one needs.
            int labelMargin = 0;
            if (names.Count > 8)
            {
                var style = plot.Axes.Bottom.TickLabelStyle;
                style.Rotation = -60;
                style.Alignment = Alignment.MiddleRight;
                using var paint = Paint.NewDisposablePaint();
                plot.Axes.Bottom.MinimumSize = labels.Max(l => style.Measure(l, paint).Width) * 0.87f + 30;
                labelMargin = (int)plot.Axes.Bottom.MinimumSize;   // the figure grows by it: the data area keeps its height
            }
            plot.XLabel("Layer (network order)");
            var yticks = new ScottPlot.TickGenerators.NumericManual();
            foreach (var v in new[] { 0.001, 0.01, 0.1, 1, 2, 5, 10, 20, 30, 50, 70, 100 }) yticks.AddMajor(Math.Log10(v), Percent(v));
            plot.Axes.Left.TickGenerator = yticks;
            var caption = $"The percent of each prunable layer's weights each method keeps at about {Percent(percent)}% of the network's weights " +
                          "(mean over replicates; a layer at 0.001% has none left: layer collapse). Shuffling a mask within its layers keeps " +
                          "exactly these densities, so a method that is not hurt by it has found only these.";
            yield return Save(plot, $"layer_density_at_{Percent(percent).Replace('.', '_')}", title, caption, legendBelow: true, labelMargin);
        }
    }
}
