using System.Xml.Linq;
using Lottery.Branches;
using Lottery.Lottery;
using Lottery.Pruning.Scoring;
using Lottery.Reports;
using Lottery.Runs;

namespace Lottery.Tests.Reports;

/// <summary>Methods compared with their sanity checks at one density: the checks get a figure of their own, beside their
/// tickets, and leave the accuracy-against-density figures to the methods (where 7 methods × 4 kinds of series overflowed
/// the legend and an inversion at chance stretched the axis).</summary>
public class BranchFigureTests
{
    /// <summary>A one-shot run pruned at initialization by <paramref name="score"/> to 50% and 20%, shuffled and inverted at 20%.</summary>
    static string AtInitWithChecks(string root, ScoreHparams score)
    {
        var identity = new RunIdentity(RunKind.OneShot, Synthetic.Hparams(iterations: "40it") with
            { Pruning = Synthetic.Hparams().Pruning with { Strategy = "global", Score = score } }, 0, null);
        using var run = RunHandle.Open(Synthetic.Environment(root), identity);
        new LotteryRunner(run).OneShot([50, 20], [1]);
        var branches = new BranchRunner(run);
        foreach (var b in new[] { "shuffle", "invert" }) branches.Run(BranchRegistry.Get(b), [1], null, [20.0]);
        return run.Layout.Root;
    }

    /// <summary>The conv2 recipe at its CPU scale measures test accuracy every 1,500 iterations and validation every 500, so
    /// at the maximum of validation accuracy the tickets may have no test accuracy at any level: a series with no value of
    /// its own is left out of that figure (the dense point alone made it crash the report), and the figures of values it
    /// has still draw it.</summary>
    [Fact]
    public void ASeriesWithoutAValueOfItsOwnIsLeftOutOfThatFigureOnly()
    {
        using var root = new TempDir();
        var identity = new RunIdentity(RunKind.Lottery, Synthetic.Hparams(iterations: "40it"), 0, null);
        string dir;
        using (var run = RunHandle.Open(Synthetic.Environment(root.Path), identity))
        {
            new LotteryRunner(run).Find(1, [1]);
            dir = run.Layout.Root;
        }
        var report = Report.Build([dir]);
        Assert.Contains(report.Rows, r => r.Kind.IsTicket);
        var rows = report.Rows.Select(r => r.Kind.IsTicket ? r with { EarlyStopTestAccuracyByAccuracy = null } : r).ToList();
        var figures = FigureSet.Draw(report.Experiments, rows);
        int Entries(string stem) => Texts(figures.Single(f => f.Stem == stem)).Count(t => t.Contains("(n=", StringComparison.Ordinal));
        Assert.Equal(2, Entries("early_stop_test_accuracy"));            // the tickets and the dense network
        Assert.Equal(1, Entries("early_stop_test_accuracy_by_val_acc"));  // the dense network alone
        // The caption says which series is missing and why; the figure that draws them all says nothing of the kind.
        var byAccuracy = figures.Single(f => f.Stem == "early_stop_test_accuracy_by_val_acc").Caption;
        Assert.Contains("Not drawn, having no value at this early stop: ", byAccuracy);
        Assert.Contains("--test-every", byAccuracy);
        List<string> Legends(string stem) => Texts(figures.Single(f => f.Stem == stem)).Where(t => t.Contains("(n=", StringComparison.Ordinal)).ToList();
        var tickets = Legends("early_stop_test_accuracy").Except(Legends("early_stop_test_accuracy_by_val_acc")).Single();
        Assert.Contains(tickets, byAccuracy);
        Assert.DoesNotContain("Not drawn", figures.Single(f => f.Stem == "early_stop_test_accuracy").Caption);
    }

    static List<string> Texts(Figure figure) => XDocument.Parse(figure.Svg).Descendants()
        .Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();

    [Fact]
    public void ChecksAtOneDensityAreDrawnBesideTheirTicketsNotAsLines()
    {
        using var root = new TempDir();
        var snip = AtInitWithChecks(root.Path, new SnipHparams());
        var random = AtInitWithChecks(root.Path, new RandomHparams());

        var report = Report.Build([snip, random]);
        double percent = report.Rows.Where(r => r.Kind.Key == "shuffle").Average(r => r.PercentRemaining);
        Assert.Equal(20, percent, 6);   // global pruning to 20% keeps exactly 20% of the prunable weights
        var checks = Assert.Single(report.Figures, f => f.Stem.StartsWith("branches_at_", StringComparison.Ordinal));
        Assert.Equal("branches_at_20", checks.Stem);
        var texts = Texts(checks);
        // One entry per kind, each with its count; the methods along the x axis by the names the legends give them.
        foreach (var entry in new[] { "the method's ticket (n=1)", "layer-wise shuffle (n=1)", "inverted scores (n=1)" })
            Assert.Contains(entry, texts);
        Assert.Contains("snip", texts);
        Assert.Contains("random", texts);
        // The accuracy figures against density keep the methods and the dense network only.
        foreach (var stem in new[] { "early_stop_test_accuracy", "end_accuracy" })
        {
            var lines = Texts(report.Figures.Single(f => f.Stem == stem));
            Assert.DoesNotContain(lines, t => t.Contains("shuffle") || t.Contains("inverted"));
            Assert.Contains(lines, t => t.StartsWith("snip", StringComparison.Ordinal));
        }

        // One experiment: its branches stay lines in the figures against density (the paper's reinitialized tickets),
        // and no figure of branches at one stage is drawn.
        var alone = Report.Build([snip]);
        Assert.DoesNotContain(alone.Figures, f => f.Stem.StartsWith("branches_at_", StringComparison.Ordinal));
        Assert.Contains("layer-wise shuffle (n=1)", Texts(alone.Figures.Single(f => f.Stem == "early_stop_test_accuracy")));
    }
}
