using System.Globalization;

namespace Lottery.Reports;

/// <summary>
/// Methods side by side (experiments that share a dense network: IMP, one-shot magnitude, the scores of pruning at
/// initialization): at each density two or more of them reach (within 2%), their test accuracy at early stop ranked,
/// which beat random pruning and by how much, how far each falls below the best method that prunes after training,
/// and what each sanity check (shuffle, invert, reinit) costs each method there: the questions of Frankle et al. 2021.
/// </summary>
public sealed record MethodComparison(IReadOnlyList<string> Findings)
{
    static string P(double v) => v.ToString(v < 10 ? "0.0#" : "0.0", CultureInfo.InvariantCulture);
    static string N(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    public static MethodComparison? Of(IReadOnlyList<ExperimentData> experiments, IReadOnlyList<ResultRow> rows, EarlyStopCriterion criterion)
    {
        var findings = new List<string>();
        var styles = new SeriesStyles(experiments);
        foreach (var group in experiments.GroupBy(e => e.DenseIdentity).Where(g => g.Count() >= 2))
        {
            var tickets = group.SelectMany(e => rows.Where(r => r.Experiment == e.Label && r.Kind.IsTicket && r.EarlyStopTestAccuracy(criterion) is not null)
                .Select(r => (Experiment: e, Row: r))).OrderByDescending(t => t.Row.PercentRemaining).ToList();
            var clusters = new List<List<(ExperimentData Experiment, ResultRow Row)>>();
            foreach (var t in tickets)
            {
                var home = clusters.FirstOrDefault(c => Math.Abs(Math.Log(c[0].Row.PercentRemaining / t.Row.PercentRemaining)) < 0.02 && c.All(x => x.Experiment != t.Experiment));
                if (home is null) clusters.Add([t]); else home.Add(t);
            }
            foreach (var cluster in clusters.Where(c => c.Count >= 2))
            {
                double Acc(ResultRow r) => r.EarlyStopTestAccuracy(criterion)!.Mean * 100;
                string Name(ExperimentData e) => styles.Short(e.Label);
                var ranked = cluster.OrderByDescending(c => Acc(c.Row)).ToList();
                double percent = cluster.Average(c => c.Row.PercentRemaining);
                var line = $"At {P(percent)}% remaining, test accuracy at early stop (%): " +
                           string.Join(", ", ranked.Select(c => $"{Name(c.Experiment)} {N(Acc(c.Row))}")) + ".";
                var random = cluster.FirstOrDefault(c => c.Experiment.Score?.Name == "random");
                if (random.Experiment is not null)
                {
                    var others = cluster.Where(c => c.Experiment != random.Experiment).ToList();
                    var above = others.Where(c => Acc(c.Row) > Acc(random.Row)).Select(c => $"{Name(c.Experiment)} (+{N(Acc(c.Row) - Acc(random.Row))})").ToList();
                    var below = others.Where(c => Acc(c.Row) <= Acc(random.Row)).Select(c => $"{Name(c.Experiment)} ({N(Acc(c.Row) - Acc(random.Row))})").ToList();
                    line += $" Above random pruning: {(above.Count == 0 ? "none" : string.Join(", ", above))}" +
                            (below.Count == 0 ? "." : $"; not above it: {string.Join(", ", below)}.");
                }
                var trained = cluster.Where(c => c.Experiment.Score is null || c.Experiment.Score.AfterTraining).OrderByDescending(c => Acc(c.Row)).ToList();
                var atInit = cluster.Where(c => c.Experiment.Score is { AfterTraining: false }).ToList();
                if (trained.Count > 0 && atInit.Count > 0)
                    line += $" Below {Name(trained[0].Experiment)} (pruned after training): " +
                            string.Join(", ", atInit.OrderByDescending(c => Acc(c.Row)).Select(c => $"{Name(c.Experiment)} {N(Acc(trained[0].Row) - Acc(c.Row))} points")) + ".";
                // The sanity checks at this density: each branch's cost to each method (ticket minus branch).
                var checks = new List<string>();
                foreach (var kind in SeriesKind.Order.Where(k => k.IsSanityCheck))
                {
                    var costs = cluster.Select(c => (c.Experiment, Branch: rows.FirstOrDefault(r => r.Experiment == c.Experiment.Label && r.Kind == kind &&
                            r.Position == c.Row.Position && r.EarlyStopTestAccuracy(criterion) is not null), Ticket: c.Row))
                        .Where(x => x.Branch is not null).Select(x => $"{Name(x.Experiment)} {N(Acc(x.Ticket) - Acc(x.Branch!))}").ToList();
                    if (costs.Count > 0) checks.Add($"{kind.Key}: {string.Join(", ", costs)}");
                }
                if (checks.Count > 0) line += $" What each sanity check costs (points of test accuracy, ticket minus check): {string.Join("; ", checks)}.";
                findings.Add(line);
            }
        }
        return findings.Count == 0 ? null : new MethodComparison(findings);
    }
}
