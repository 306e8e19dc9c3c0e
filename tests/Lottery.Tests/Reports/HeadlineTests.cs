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

    static ResultRow Censored(ResultRow r, int atEnd) => r with { EarlyStopsAtEndByLoss = atEnd, EarlyStopsAtEndByAccuracy = atEnd };

    /// <summary>A dense network still improving when its schedule ends (early stop at the last measurement) makes every
    /// ticket's speed-up against it a lower bound: the summary says "at least" and why, the controls' ratios likewise, and
    /// the paper comparison carries the bound. Nothing is qualified where every early stop is measured.</summary>
    [Fact]
    public void AnEarlyStopAtTheRunsEndMakesItsRatiosBounds()
    {
        var dense = Row(SeriesKind.Dense, 0, 100, [3000, 2500], [0.78, 0.77]);
        var ticket = Row(SeriesKind.Iterative, 1, 32.1, [1500, 1500], [0.78, 0.78]);
        var reinit = Row(SeriesKind.Of("reinit"), 1, 32.1, [3000, 3000], [0.55, 0.55]);
        var measured = Headline.Of("x", [], [dense, ticket, reinit]);
        Assert.Equal(RatioBound.Measured, measured.SpeedUpBound);
        Assert.DoesNotContain(measured.Findings, l => l.Contains("last measurement") || l.Contains("at most"));
        Assert.EndsWith("32.1%: 23.00 points below, early stop 2.00× later.", measured.Findings[4]);
        Assert.Equal("Largest early-stop speed-up: 1.83× sooner than the dense network, at 32.1% remaining.", measured.Findings[2]);

        var h = Headline.Of("x", [], [Censored(dense, 1), ticket, Censored(reinit, 2)]);
        Assert.Equal(RatioBound.AtLeast, h.SpeedUpBound);
        Assert.Equal((32.1, 2750.0 / 1500), h.LargestSpeedUp);
        Assert.Equal("Dense network (2 replicates): early stop at iteration 2750 [2500–3000], test accuracy there 77.50% [77.00–78.00], at the end 77.50%. " +
            "The early stop of the dense network is its run's last measurement in 1 of 2 stages (the validation loss was still falling): its true early stop " +
            "may be later, so the tickets' early-stop speed-ups against it are lower bounds.", h.Findings[0]);
        Assert.Equal("Largest early-stop speed-up: at least 1.83× sooner than the dense network, at 32.1% remaining.", h.Findings[2]);
        Assert.Equal("Randomly reinitialized copies against their tickets (test accuracy at early stop; early-stop iteration): 32.1%: 23.00 points below, " +
            "early stop at least 2.00× later.", h.Findings[4]);
        Assert.Equal("Early stops at their run's last measurement (the validation loss was still falling; the ratios above that involve them are bounds): " +
            "random reinitialization at 32.1% (both stages).", h.Findings[5]);

        // A censored ticket against a measured dense network bounds the speed-up from above; both censored: not measured.
        var above = Headline.Of("x", [], [dense, Censored(ticket, 2)]);
        Assert.Equal(RatioBound.AtMost, above.SpeedUpBound);
        Assert.StartsWith("Largest early-stop speed-up: at most 1.83× sooner than the dense network, at 32.1% remaining. The early stop of the ticket at 32.1% " +
            "is its run's last measurement in both stages", above.Findings[2]);
        var neither = Headline.Of("x", [], [Censored(dense, 2), Censored(ticket, 1)]);
        Assert.Equal(RatioBound.Unmeasured, neither.SpeedUpBound);
        Assert.Equal("No early-stop speed-up is measured: the dense network and the ticket with the largest ratio (1.83×, at 32.1%) both stop at their " +
            "runs' last measurement.", neither.Findings[2]);
        // By maximum validation accuracy the reason reads as that criterion's.
        var byAccuracy = Headline.Of("x", [], [Censored(dense, 1), ticket], EarlyStopCriterion.ValidationAccuracy);
        Assert.Contains("(the validation accuracy was still rising)", byAccuracy.Findings[0]);
    }

    [Theory]
    [InlineData(2.0, RatioBound.Measured, "2.00× later")]
    [InlineData(2.0, RatioBound.AtLeast, "at least 2.00× later")]
    [InlineData(0.5, RatioBound.AtLeast, "at most 2.00× sooner")]   // the inverse of a lower bound is an upper bound
    [InlineData(0.5, RatioBound.AtMost, "at least 2.00× sooner")]
    [InlineData(1.001, RatioBound.AtLeast, "at least as early as the ticket")]
    [InlineData(1.5, RatioBound.Unmeasured, "1.50× later (not measured: both stop at their runs' end)")]
    public void ABoundedRatioSaysWhichWay(double ratio, RatioBound bound, string expected) =>
        Assert.Equal(expected, RatioBounds.Describe(ratio, bound, "later", "sooner", "as early as the ticket"));

    /// <summary>The early stop is censored exactly when its measurement is the stage's last, not when a later one diverged.</summary>
    [Fact]
    public void AnEarlyStopIsAtTheEndOnlyWhenItIsTheLastMeasurement()
    {
        static global::Lottery.Training.MetricsRow M(int it, double loss, double acc) => new(it, null, loss, acc, null, 0.5);
        Assert.True(EarlyStop.Of([M(0, 2.0, 0.1), M(500, 1.0, 0.5), M(1000, 0.9, 0.6)], EarlyStopCriterion.ValidationLoss).AtLastMeasurement);
        var earlier = EarlyStop.Of([M(0, 2.0, 0.1), M(500, 0.8, 0.5), M(1000, 0.9, 0.6)], EarlyStopCriterion.ValidationLoss);
        Assert.False(earlier.AtLastMeasurement);
        Assert.Equal(500, earlier.Iteration);
        Assert.True(EarlyStop.Of([M(0, 2.0, 0.1), M(500, 0.8, 0.5), M(1000, 0.9, 0.6)], EarlyStopCriterion.ValidationAccuracy).AtLastMeasurement);
        // A stage that diverged after its best measurement ended there, not at its schedule's end.
        Assert.False(EarlyStop.Of([M(0, 2.0, 0.1), M(500, 1.0, 0.5), M(1000, double.NaN, 0.1)], EarlyStopCriterion.ValidationLoss).AtLastMeasurement);
        // A tie with the last measurement keeps the first best: not censored.
        Assert.False(EarlyStop.Of([M(0, 2.0, 0.1), M(500, 0.8, 0.5), M(1000, 0.8, 0.5)], EarlyStopCriterion.ValidationLoss).AtLastMeasurement);
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
