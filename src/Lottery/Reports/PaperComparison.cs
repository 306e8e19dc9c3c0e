using System.Globalization;

namespace Lottery.Reports;

/// <summary>A row of the report's "the paper against this run" table: the paper's words and the same quantity measured
/// here (or why it cannot be yet: a run not finished, a level not run).</summary>
public sealed record ClaimRow(string Quantity, string Paper, string Ours, string Experiment);

/// <summary>Measures each of a recipe's <see cref="PaperClaim"/>s on the report's table, under the report's early-stop
/// criterion, with the same definitions as the summary (<see cref="Headline"/>).</summary>
public static class PaperComparison
{
    static string N(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
    static string P(double v) => v.ToString(v < 10 ? "0.0#" : "0.0", CultureInfo.InvariantCulture);

    public static IReadOnlyList<ClaimRow> Of(Report report)
    {
        if (report.Context is not { } context) return [];
        return context.Claims.Select(c =>
        {
            var experiment = Find(report, c.Run);
            if (experiment is null) return new ClaimRow(c.Quantity, c.Paper, "not run yet", Path.GetFileName(c.Run.TrimEnd('/')));
            return new ClaimRow(c.Quantity, c.Paper, Measure(report, experiment, c), experiment.Label);
        }).ToList();
    }

    static ExperimentData? Find(Report report, string run)
    {
        var name = Path.GetFileName(run.TrimEnd('/'));
        return report.Experiments.FirstOrDefault(e => e.Run == name || Path.GetFileName(e.Directory.TrimEnd('/')) == name);
    }

    static string Measure(Report report, ExperimentData experiment, PaperClaim claim)
    {
        var criterion = report.Criterion;
        var rows = report.Rows.Where(r => r.Experiment == experiment.Label).ToList();
        var dense = rows.FirstOrDefault(r => r.Kind == SeriesKind.Dense);
        var headline = report.Headlines.FirstOrDefault(h => h.Experiment == experiment.Label);
        string NoDense() => "dense network not finished";
        switch (claim.Measure)
        {
            case ClaimMeasure.DenseAccuracy:
                return dense?.EarlyStopTestAccuracy(criterion) is { } accuracy ? $"{N(accuracy.Mean * 100, "0.00")}%" + Spread(accuracy, dense.Stages) : NoDense();
            case ClaimMeasure.LargestSpeedUp:
                if (headline?.LargestSpeedUp is not { } s) return dense is null ? NoDense() : "no ticket finished";
                if (headline.SpeedUpBound == RatioBound.Unmeasured)
                    return $"not measured: the dense network and the ticket both stop at their runs' end ({N(s.Factor, "0.00")}×, at {P(s.Percent)}%)";
                if (headline.SpeedUpBound != RatioBound.Measured)
                    return $"{RatioBounds.Describe(s.Factor, headline.SpeedUpBound, "sooner", "later", "as early as the dense network")}, at {P(s.Percent)}% " +
                           "(an early stop at its run's last measurement: see the summary)";
                return N(s.Factor, "0.00") == "1.00" ? $"none: as early as the dense network at best ({P(s.Percent)}%)"
                    : s.Factor > 1 ? $"{N(s.Factor, "0.00")}× sooner, at {P(s.Percent)}%"
                    : $"none: at best {N(1 / s.Factor, "0.00")}× later ({P(s.Percent)}%)";
            case ClaimMeasure.LargestGain:
                if (headline?.LargestGain is not { } g) return dense is null ? NoDense() : "no ticket finished";
                return g.Points > 0 ? $"+{N(g.Points, "0.00")} points, at {P(g.Percent)}%" : $"none: at best {N(g.Points, "0.00")} points ({P(g.Percent)}%)";
            case ClaimMeasure.MatchesDownTo:
                if (dense is null) return NoDense();
                return headline?.MatchesDownTo is double d ? $"down to {P(d)}%" : "no level matches";
            case ClaimMeasure.ReinitGap:
            {
                var reinit = SeriesKind.Of("reinit");
                var copies = rows.Where(r => r.Kind == reinit && r.EarlyStopTestAccuracy(criterion) is not null).ToList();
                if (copies.Count == 0) return "no reinitialized copy finished";
                var at = claim.AtPercent ?? copies[0].PercentRemaining;
                var copy = copies.MinBy(r => Math.Abs(Math.Log(r.PercentRemaining / at)))!;
                var ticket = rows.FirstOrDefault(r => r.Kind.IsTicket && r.Position == copy.Position && r.EarlyStopTestAccuracy(criterion) is not null);
                if (ticket is null) return $"its ticket at {P(copy.PercentRemaining)}% not finished";
                var points = (ticket.EarlyStopTestAccuracy(criterion)!.Mean - copy.EarlyStopTestAccuracy(criterion)!.Mean) * 100;
                var ratio = copy.EarlyStopIteration(criterion).Mean / Math.Max(1, ticket.EarlyStopIteration(criterion).Mean);
                var when = RatioBounds.Describe(ratio, RatioBounds.Of(copy.EarlyStopCensored(criterion), ticket.EarlyStopCensored(criterion)),
                    "sooner than its copy", "later than its copy", "as early as its copy");
                // The nearest level run stands in for the paper's percent: say so when it is not close.
                var where = Math.Abs(Math.Log(copy.PercentRemaining / at)) < 0.1 ? $"at {P(copy.PercentRemaining)}%" : $"at {P(copy.PercentRemaining)}% (the level run nearest {P(at)}%)";
                return $"ticket {(points >= 0 ? "+" : "")}{N(points, "0.00")} points, early stop {when}, {where}";
            }
            case ClaimMeasure.DenseAccuracyDifference:
            {
                var other = claim.Other is null ? null : Find(report, claim.Other);
                var otherDense = other is null ? null : report.Rows.FirstOrDefault(r => r.Experiment == other.Label && r.Kind == SeriesKind.Dense);
                if (dense?.EarlyStopTestAccuracy(criterion) is not { } a) return NoDense();
                if (otherDense?.EarlyStopTestAccuracy(criterion) is not { } b) return "the other dense network not finished";
                var diff = (a.Mean - b.Mean) * 100;
                return $"{(diff >= 0 ? "+" : "")}{N(diff, "0.00")} points ({N(a.Mean * 100, "0.00")}% against {N(b.Mean * 100, "0.00")}%)";
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(claim), claim.Measure, "unknown measure");
        }
    }

    static string Spread(Statistic s, int n) => n < 2 ? " (1 replicate)" : $" [{N(s.Min * 100, "0.00")}–{N(s.Max * 100, "0.00")}], {n} replicates";
}
