using System.Text.RegularExpressions;
using System.Xml.Linq;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Reports;
using Lottery.Runs;
using ScottPlot;

namespace Lottery.Tests.Reports;

/// <summary>What a new reader of a report sees: readable axes when every value is the same, titles that name their
/// early-stop criterion, and the dense network as its own legend entry in every figure against percent remaining.</summary>
public class FigureReadabilityTests(ReportFixture f) : IClassFixture<ReportFixture>
{
    /// <summary>The y axis's tick labels of an SVG drawn by ScottPlot (numbers left of the plot area).</summary>
    static List<string> NumericLabels(string svg) => XDocument.Parse(svg).Descendants()
        .Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim())
        .Where(t => Regex.IsMatch(t, @"^-?[\d,]+(\.\d+)?$")).ToList();

    [Fact]
    public void IdenticalValuesGetARangeWhoseTickLabelsDiffer()
    {
        double[] ys = [1600, 1600, 1600];
        var plot = new Plot();
        plot.Add.Scatter(new double[] { 0, 1, 2 }, ys);
        // The x axis gets labels far from the y values, so all numeric labels below are the y axis's.
        var x = new ScottPlot.TickGenerators.NumericManual();
        x.AddMajor(0, "a"); x.AddMajor(1, "b"); x.AddMajor(2, "c");
        plot.Axes.Bottom.TickGenerator = x;
        FigureSet.ReadableY(plot, ys);
        var limits = plot.Axes.GetLimits();
        Assert.Equal(1600 - 80, limits.Bottom, 6);   // ±5% of the value
        Assert.Equal(1600 + 80, limits.Top, 6);
        var labels = NumericLabels(plot.GetSvgXml(900, 540));
        Assert.True(labels.Count >= 3, string.Join(" ", labels));
        Assert.Equal(labels.Count, labels.Distinct().Count());
        // Values that do differ keep ScottPlot's own range.
        var spread = new Plot();
        spread.Add.Scatter(new double[] { 0, 1 }, new double[] { 10, 90 });
        spread.Axes.AutoScale();
        var before = spread.Axes.GetLimits();
        FigureSet.ReadableY(spread, [10, 90]);
        Assert.Equal(before.Bottom, spread.Axes.GetLimits().Bottom);
        // A value of zero still gets a range of at least ±1.
        var zero = new Plot();
        FigureSet.ReadableY(zero, [0, 0]);
        Assert.Equal(-1, zero.Axes.GetLimits().Bottom, 6);
        Assert.Equal(1, zero.Axes.GetLimits().Top, 6);
    }

    [Fact]
    public void ALongTitleIsSetSmallerUntilItFitsTheFigure()
    {
        using var paint = Paint.NewDisposablePaint();
        var shortTitle = FigureSet.NewPlot("Accuracy at the end of training", "y");
        var longTitle = FigureSet.NewPlot("Weights remaining per layer: lenet_300_100 on mnist, one-shot magnitude_init at initialization, global", "y");
        Assert.True(longTitle.Axes.Title.Label.FontSize < shortTitle.Axes.Title.Label.FontSize);
        Assert.InRange(longTitle.Axes.Title.Label.Measure(paint).Width, 400, FigureSet.Width - 200);
    }

    /// <summary>An early stop at its stage's last measurement (the criterion still improving when training ended) is ringed
    /// in the figures of its criterion, with a legend entry and a caption saying what the ring means and how many points
    /// carry one; the other criterion's figures, where no point is cut, have neither.</summary>
    [Fact]
    public void EarlyStopsAtTheLastMeasurementAreRingedInTheirCriterionsFigures()
    {
        using var root = new TempDir();
        string dir;
        using (var run = RunHandle.Open(Synthetic.Environment(root.Path), new RunIdentity(RunKind.Lottery, Synthetic.Hparams(iterations: "40it"), 0, null)))
        {
            new LotteryRunner(run).Find(2, [1]);
            dir = run.Layout.Root;
        }
        var report = Report.Build([dir]);
        Assert.Equal(3, report.Rows.Count);
        // The dense network's early stop by loss is at its end; the ticket at level 2 has it in 1 of its 2 stages; none by accuracy.
        var level2 = report.Rows.Single(r => r.Order == 2);
        var rows = report.Rows.Select(r => r with { EarlyStopsAtEndByAccuracy = 0,
            EarlyStopsAtEndByLoss = r.Kind == SeriesKind.Dense ? r.Stages : r == level2 ? 1 : 0, Stages = r == level2 ? 2 : r.Stages }).ToList();
        var figures = FigureSet.Draw(report.Experiments, rows);
        Figure Stem(string stem) => figures.Single(x => x.Stem == stem);
        // The rings: open circles in the ring's colour, one per ringed point and the legend's sample.
        static int Rings(Figure figure) => XDocument.Parse(figure.Svg).Descendants().Count(e => e.Name.LocalName == "ellipse"
            && (string?)e.Attribute("fill") == "none" && (string?)e.Attribute("stroke") == "#555");
        static List<string> Texts(Figure figure) => XDocument.Parse(figure.Svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Equal("#555555", FigureSet.AtEndRingColor);
        foreach (var (stem, iteration) in new[] { ("early_stop_iteration", true), ("early_stop_test_accuracy", false) })
        {
            var figure = Stem(stem);
            Assert.Equal(2 + 1, Rings(figure));
            Assert.Contains(FigureSet.AtEndLegend(iteration), Texts(figure));
            Assert.Contains("A grey ring marks the 2 points whose criterion was still improving at the last measurement, in some or all of their stages", figure.Caption);
            Assert.Contains(iteration ? "their early-stop iterations are lower bounds" : "networks still improving", figure.Caption);
            // The other criterion's figure: nothing cut, nothing ringed, nothing said.
            var other = Stem(stem + "_by_val_acc");
            Assert.Equal(0, Rings(other));
            Assert.DoesNotContain(FigureSet.AtEndLegend(iteration), Texts(other));
            Assert.DoesNotContain("grey ring", other.Caption);
        }
        // Only the dense network cut, in its only stage: one point, "in every stage".
        var denseOnly = rows.Select(r => r with { EarlyStopsAtEndByLoss = r.Kind == SeriesKind.Dense ? r.Stages : 0 }).ToList();
        var one = FigureSet.Draw(report.Experiments, denseOnly).Single(x => x.Stem == "early_stop_iteration");
        Assert.Equal(1 + 1, Rings(one));
        Assert.Contains("A grey ring marks the point whose criterion was still improving at the last measurement, in every stage (the table's \"(end)\"): " +
            "its early-stop iteration is a lower bound", one.Caption);
        // Figures of other quantities never ring anything.
        Assert.Equal(0, Rings(figures.Single(x => x.Stem == "end_accuracy")));
    }

    static string Figures(ReportFixture f) => Path.Combine(f.Out, "figures");

    /// <summary>The legend's lines in a figure's SVG (texts ending in "(n=…)") with the y at which each is drawn.</summary>
    static List<(string Text, double Y)> LegendLines(string svg) => XDocument.Parse(svg).Descendants()
        .Where(e => e.Name.LocalName == "text" && Regex.IsMatch(e.Value.Trim(), @"\(n=\d+\)$"))
        .Select(e => (e.Value.Trim(), double.Parse(Regex.Match((string?)e.Attribute("transform") ?? "", @"translate\([-\d.]+ ([-\d.]+)\)").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture)))
        .ToList();

    /// <summary>Whether the PNG's bottom rows are blank (white): a legend cut off at the figure's edge draws its box's
    /// sides there.</summary>
    static bool BottomRowsBlank(byte[] png, int rows = 4)
    {
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        for (int y = bitmap.Height - rows; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
                if (bitmap.GetPixel(x, y) != SkiaSharp.SKColors.White) return false;
        return true;
    }

    static Figure LegendBelowFigure(int entries)
    {
        var plot = FigureSet.NewPlot("A figure with many experiments", "Test accuracy (%)", legendBelow: true);
        for (int i = 0; i < entries; i++)
            plot.Add.Scatter(new double[] { 100, 50 }, new double[] { i, i + 1 }).LegendText = $"experiment {i}, iterative, reset to θ0, sgd lr 0.1, warmup 267it (n=2)";
        return FigureSet.Save(plot, "many", "A figure with many experiments", "", legendBelow: true);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(9)]   // vgg19's three experiments: three tickets, three reinitializations, three dense networks
    [InlineData(16)]
    public void ALegendUnderThePlotIsDrawnWholeWhateverItsLength(int entries)
    {
        var one = LegendBelowFigure(1);
        var many = LegendBelowFigure(entries);
        Assert.Equal(FigureSet.Height, one.Height);
        // Each entry adds the height of one line (12-point text with its padding: about 20 pixels), no less.
        Assert.InRange(many.Height - one.Height, (entries - 1) * 19, (entries - 1) * 21);
        var lines = LegendLines(many.Svg);
        Assert.Equal(entries, lines.Count);
        Assert.All(lines, l => Assert.InRange(l.Y, 0, many.Height - 20));
        // The PNG (rendered first, when the bug was) ends below the legend's box, not through it.
        Assert.True(BottomRowsBlank(many.Png), $"{entries} entries: the legend reaches the PNG's bottom edge");
        Assert.True(BottomRowsBlank(one.Png));
    }

    /// <summary>vgg19's figure: three experiments at three learning rates, each with its own dense network. Each dense
    /// network is its own legend entry, named by its experiment and drawn in its experiment's colour (three black squares
    /// could not be told apart), and the whole legend is drawn.</summary>
    [Fact]
    public void ExperimentsWithTheirOwnDenseNetworksShowEachInItsColour()
    {
        using var root = new TempDir();
        var dirs = new List<string>();
        foreach (var lr in new[] { 1e-3, 3e-3, 1e-2 })
        {
            var hparams = Synthetic.Hparams(iterations: "40it");
            var identity = new RunIdentity(RunKind.Lottery, hparams with { Training = hparams.Training with { Lr = lr } }, 0, null);
            using var run = RunHandle.Open(Synthetic.Environment(root.Path), identity);
            new LotteryRunner(run).Find(1, [1]);
            dirs.Add(run.Layout.Root);
        }
        var report = Report.Build(dirs);
        var styles = new SeriesStyles(report.Experiments);
        Assert.True(styles.SeveralDenseNetworks);
        var colours = report.Experiments.Select(e => styles.Color(e.Label, SeriesKind.Dense)).ToList();
        Assert.Equal(3, colours.Distinct().Count());
        Assert.DoesNotContain(SeriesKind.Dense.Color, colours);
        // Legends name each experiment by what tells it apart (its learning rate), what all share said once.
        Assert.StartsWith("lenet_100_30 on synthetic, iterative", styles.Shared);
        Assert.All(report.Experiments, e => Assert.Equal(e.Label, $"{styles.Shared}, {styles.Short(e.Label)}"));
        Assert.All(report.Experiments, e => Assert.StartsWith("adam lr ", styles.Short(e.Label)));
        Assert.Equal(3, report.Experiments.Select(e => styles.Short(e.Label)).Distinct().Count());
        // The dense colour is the experiment's: the same as its tickets'.
        Assert.All(report.Experiments, e => Assert.Equal(styles.Color(e.Label, SeriesKind.Iterative), styles.Color(e.Label, SeriesKind.Dense)));
        foreach (var stem in new[] { "early_stop_test_accuracy", "end_accuracy" })
        {
            var figure = report.Figures.Single(f => f.Stem == stem);
            var lines = LegendLines(figure.Svg);
            Assert.Equal(3, lines.Count(l => Regex.IsMatch(l.Text, @": dense network(, (test|train))? \(n=1\)$")));
            Assert.All(lines, l => Assert.InRange(l.Y, 0, figure.Height - 20));
            Assert.True(BottomRowsBlank(figure.Png), stem);
            // Each experiment's colour is drawn (its tickets' line and its dense square).
            foreach (var c in colours) Assert.Contains(c, figure.Svg, StringComparison.OrdinalIgnoreCase);
        }

        // One experiment (or several sharing a dense network) keeps the black square.
        var one = new SeriesStyles(Report.Build([dirs[0]]).Experiments);
        Assert.False(one.SeveralDenseNetworks);
        Assert.Equal(SeriesKind.Dense.Color, one.Color(Report.Build([dirs[0]]).Experiments[0].Label, SeriesKind.Dense));
    }

    /// <summary>Experiments that would share a name are told apart by what differs: dropout first (the paper's Figure 6 is
    /// dropout against none, and its two networks also differ in rate and length), then optimizer and rate, then any other
    /// hyperparameter, then the run's name.</summary>
    [Fact]
    public void ExperimentsAreNamedByWhatTellsThemApart()
    {
        using var root = new TempDir();
        string Run(ExperimentHparams h, long seed = 0)
        {
            using var run = RunHandle.Open(Synthetic.Environment(root.Path), new RunIdentity(RunKind.Lottery, h, seed, null));
            new LotteryRunner(run).Find(0, [1]);
            return run.Layout.Root;
        }
        var plain = Synthetic.Hparams(iterations: "40it");
        var dropout = Synthetic.Hparams(iterations: "80it", dropout: 0.5);
        dropout = dropout with { Training = dropout.Training with { Lr = plain.Training.Lr * 1.5 } };
        var report = Report.Build([Run(dropout), Run(plain)]);
        var labels = report.Experiments.Select(e => e.Label).ToList();
        // Each experiment's training curves say in the image itself which experiment they are.
        foreach (var (stem, label) in new[] { ("test_accuracy_curves_1", labels[0]), ("test_accuracy_curves_2", labels[1]) })
            Assert.Contains(System.Security.SecurityElement.Escape("Test accuracy during training: " + label), report.Figures.Single(f => f.Stem == stem).Svg);
        var lr = (plain.Training.Lr * 1.5).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal([$"lenet_100_30 on synthetic, iterative, reset to θ0, dropout 0.5, adam lr {lr}",
            $"lenet_100_30 on synthetic, iterative, reset to θ0, no dropout, adam lr {plain.Training.Lr.ToString(System.Globalization.CultureInfo.InvariantCulture)}"], labels);

        // Only the training length differs: it names them; only the seed: the run's name does.
        var longer = Run(Synthetic.Hparams(iterations: "60it"));
        Assert.Equal(["lenet_100_30 on synthetic, iterative, reset to θ0, iterations 40it", "lenet_100_30 on synthetic, iterative, reset to θ0, iterations 60it"],
            Report.Build([Run(plain), longer]).Experiments.Select(e => e.Label));
        var seeded = Run(plain, seed: 7);
        Assert.Equal($"lenet_100_30 on synthetic, iterative, reset to θ0 ({Path.GetFileName(seeded)})", Report.Build([Run(plain), seeded]).Experiments[1].Label);
    }

    /// <summary>Training accuracy at the end is its series faded, in the series' own marker and pattern: drawn dashed with
    /// open circles it looked like the random reinitialization's test accuracy.</summary>
    [Fact]
    public void TrainingAccuracyIsItsSeriesFaded()
    {
        var svg = File.ReadAllText(Path.Combine(Figures(f), "end_accuracy.svg"));
        var faded = $"stroke-opacity=\"{FigureSet.TrainOpacity.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        Assert.Contains(faded, svg);
        var lines = LegendLines(svg);
        Assert.Equal(lines.Count(l => l.Text.Contains(", test (n=")), lines.Count(l => l.Text.Contains(", train (n=")));
        var html = File.ReadAllText(Path.Combine(f.Out, "report.html"));
        Assert.Contains("training accuracy (the same series faded", html);
    }

    /// <summary>The training accuracy at the end is measured with one copy of each dataset, whatever the number of
    /// experiments using it (kept per experiment, six CIFAR-10 experiments held six copies: 5.4 GB), and measuring again
    /// gives the same values.</summary>
    [Fact]
    public void TrainingAccuracyLoadsEachDatasetOnce()
    {
        var dirs = new[] { Path.Combine(f.Runs, f.Lottery), Path.Combine(f.Runs, f.OneShot) };
        var files = dirs.SelectMany(d => Directory.GetFiles(d, TrainAccuracy.FileName, SearchOption.AllDirectories)).ToList();
        Assert.True(files.Count >= 6, $"{files.Count} stages measured");
        var before = files.ToDictionary(p => p, File.ReadAllText);
        foreach (var p in files) File.Delete(p);
        int loads = 0;
        using (var meter = new TrainAccuracy(m =>
        {
            loads++;
            return global::Lottery.Data.SplitData.Create(global::Lottery.Data.DatasetLoader.Load(m.Hparams.Dataset.Dataset, TestData.DatasetsRoot), m.Hparams.Dataset);
        }))
        {
            var report = Report.Build(dirs, meter);
            Assert.Equal(2, report.Experiments.Count);
            Assert.Equal(1, loads);
            Assert.Equal(1, meter.Loads);
        }
        foreach (var (p, text) in before) Assert.Equal(text, File.ReadAllText(p));
    }

    [Fact]
    public void EveryFigureOfAReportShowsItsWholeLegend()
    {
        foreach (var svgPath in Directory.GetFiles(Figures(f), "*.svg"))
        {
            var svg = File.ReadAllText(svgPath);
            int height = int.Parse(Regex.Match(svg, "<svg[^>]* height=\"(\\d+)\"").Groups[1].Value);
            Assert.All(LegendLines(svg), l => Assert.True(l.Y <= height - 10, $"{Path.GetFileName(svgPath)}: \"{l.Text}\" at y {l.Y} of {height}"));
            Assert.True(BottomRowsBlank(File.ReadAllBytes(Path.ChangeExtension(svgPath, ".png"))), $"{Path.GetFileName(svgPath)}: something is drawn through the bottom edge");
        }
    }

    [Fact]
    public void TheTwoCriteriasFiguresHaveTitlesThatTellThemApart()
    {
        var html = File.ReadAllText(Path.Combine(f.Out, "report.html"));
        var titles = Regex.Matches(html, "<figure id=\"([a-z0-9_]+)\"><img class=\"figure\" alt=\"([^\"]+)\"")
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Equal(titles.Count, titles.Values.Distinct().Count());   // no two figures share a title
        Assert.Contains("minimum validation loss", titles["early_stop_iteration"]);
        Assert.Contains("maximum validation accuracy", titles["early_stop_iteration_by_val_acc"]);
        Assert.Contains("minimum validation loss", titles["early_stop_test_accuracy"]);
        Assert.Contains("maximum validation accuracy", titles["early_stop_test_accuracy_by_val_acc"]);
        // The title is drawn in the figure itself too (a PNG copied out of the report still says which it is).
        var svg = File.ReadAllText(Path.Combine(Figures(f), "early_stop_iteration_by_val_acc.svg"));
        Assert.Contains("maximum validation accuracy", svg);
    }

    [Theory]
    [InlineData("early_stop_iteration")]
    [InlineData("early_stop_test_accuracy")]
    [InlineData("early_stop_iteration_by_val_acc")]
    [InlineData("early_stop_test_accuracy_by_val_acc")]
    [InlineData("end_accuracy")]
    public void TheDenseNetworkIsItsOwnLegendEntry(string stem)
    {
        var texts = XDocument.Load(Path.Combine(Figures(f), stem + ".svg")).Descendants()
            .Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
        var dense = texts.Where(t => Regex.IsMatch(t, @"dense network(, (test|train))? \(n=\d+\)")).ToList();
        Assert.NotEmpty(dense);
        // Its own entry: not folded into a pruned series' label.
        Assert.All(dense, t => Assert.DoesNotContain("iterative", t));
    }
}
