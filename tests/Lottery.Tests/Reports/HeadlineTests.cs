using Lottery.Reports;

namespace Lottery.Tests.Reports;

/// <summary>The summary's sentences from a table with known numbers.</summary>
public class HeadlineTests
{
    static Statistic S(params double[] v) => Statistic.Of(v)!;

    static ResultRow Row(SeriesKind kind, int level, double percent, double[] es, double[] acc) =>
        new("x", kind, $"level {level}", level, percent, es.Length, S(es), S(es), S(acc), S(acc), S(acc), null, [], []);

    /// <summary>A network with dropout is compared with the paper's Figure 6, not with the numbers of the network without.</summary>
    [Fact]
    public void ThePapersNumbersForANetworkWithDropoutAreFigure6s()
    {
        Assert.Equal(["With dropout (Figure 6): unpruned accuracy about 2.1 points above the network without dropout (whose validation accuracy is about 67.6%); " +
            "iterative pruning adds up to 2.3 points more; tickets still reach early stop sooner."], PaperReference.For("conv2", "cifar10", dropout: 0.5));
        Assert.Contains("about 3.0 points above", PaperReference.For("conv4", "cifar10", 0.5)[0]);
        Assert.Contains("up to 4.7 points more", PaperReference.For("conv6", "cifar10", 0.5)[0]);
        Assert.Equal("Unpruned validation accuracy about 67.6%.", PaperReference.For("conv2", "cifar10")[0]);
        Assert.Empty(PaperReference.For("lenet_300_100", "mnist", dropout: 0.2));   // the paper trains no LeNet with dropout
        Assert.NotEmpty(PaperReference.For("lenet_300_100", "mnist"));
    }

    [Fact]
    public void FindsTheSmallestMatchingLevelTheLargestSpeedUpAndGainAndTheReinitGap()
    {
        var rows = new List<ResultRow>
        {
            Row(SeriesKind.Dense, 0, 100, [3000, 4000], [0.980, 0.982]),
            Row(SeriesKind.Iterative, 1, 80, [5000, 5000], [0.985, 0.985]),     // later than the dense nets' latest: misses
            Row(SeriesKind.Iterative, 2, 51.3, [2000, 2000], [0.986, 0.990]),   // +0.7 points, 1.75× sooner
            Row(SeriesKind.Iterative, 3, 21.1, [3500, 3500], [0.981, 0.981]),   // matches: the smallest that does
            Row(SeriesKind.Iterative, 4, 7.0, [3000, 3000], [0.970, 0.970]),    // less accurate than the dense nets' lowest
            Row(SeriesKind.Of("reinit"), 3, 21.1, [7000, 7000], [0.976, 0.976]),
        };
        var h = Headline.Of("x", ["paper line"], rows);
        Assert.Equal(21.1, h.MatchesDownTo);
        Assert.Equal((51.3, 3500.0 / 2000), h.LargestSpeedUp);
        Assert.Equal(51.3, h.LargestGain!.Value.Percent);
        Assert.Equal(0.7, h.LargestGain!.Value.Points, 9);
        Assert.Equal("Dense network (2 replicates): early stop at iteration 3500 [3000–4000], test accuracy there 98.10% [98.00–98.20], at the end 98.10%.", h.Findings[0]);
        Assert.Equal("Tickets match the dense network (test accuracy at early stop at least the dense replicates' lowest, early stop no later than their latest) " +
            "down to 21.1% of weights remaining (not at 80.0%); at 7.0% the ticket is less accurate (97.00% against the dense replicates' lowest 98.00%).", h.Findings[1]);
        Assert.Equal("Largest early-stop speed-up: 1.75× sooner than the dense network, at 51.3% remaining.", h.Findings[2]);
        Assert.Equal("Largest accuracy gain at early stop: +0.70 points over the dense network, at 51.3% remaining.", h.Findings[3]);
        Assert.Equal("Randomly reinitialized copies against their tickets (test accuracy at early stop; early-stop iteration): 21.1%: 0.50 points below, early stop 2.00× later.", h.Findings[4]);
        Assert.Equal(["paper line"], h.Paper);
    }

    [Fact]
    public void ARatioOfOneIsAsEarlyAsNotLater()
    {
        var rows = new List<ResultRow>
        {
            Row(SeriesKind.Dense, 0, 100, [1600, 1600], [0.980, 0.982]),
            Row(SeriesKind.Iterative, 1, 80, [1600, 1600], [0.981, 0.981]),
            Row(SeriesKind.Iterative, 2, 64, [1601, 1601], [0.979, 0.979]),   // 1600/1601 rounds to 1.00 as well
        };
        var h = Headline.Of("x", [], rows);
        Assert.Equal("No ticket stops earlier than the dense network on average: the closest stops as early as it, at 80.0% remaining.", h.Findings[2]);
        Assert.DoesNotContain(h.Findings, l => l.Contains("1.00×"));
        // A real slow-down is still one.
        var later = Headline.Of("x", [], [Row(SeriesKind.Dense, 0, 100, [1000], [0.98]), Row(SeriesKind.Iterative, 1, 80, [1500], [0.98])]);
        Assert.Equal("No ticket stops earlier than the dense network on average (the closest: 1.50× later, at 80.0%).", later.Findings[2]);
    }

    [Fact]
    public void SaysSoWhenNothingCanBeCompared()
    {
        var h = Headline.Of("x", [], [Row(SeriesKind.Iterative, 1, 80, [1], [0.5])]);
        Assert.Equal(["The dense network has not finished yet: nothing to compare against."], h.Findings);
        Assert.Null(h.MatchesDownTo);
        var dense = Headline.Of("x", [], [Row(SeriesKind.Dense, 0, 100, [1], [0.5])]);
        Assert.Equal("No pruned ticket has finished yet.", dense.Findings[^1]);
    }
}
