using System.Globalization;

namespace Lottery.Reports;

/// <summary>
/// The report's summary of one experiment, in sentences computed from its table: how far down tickets still match
/// the dense network (test accuracy at early stop no lower than the dense replicates' lowest, early stop no later than
/// their latest), the largest early-stop speed-up and accuracy gain and where, and how far the reinitialized copies
/// fall behind; with the paper's own figures for the same network beside them.
/// </summary>
public sealed record Headline(string Experiment, IReadOnlyList<string> Findings, IReadOnlyList<string> Paper)
{
    /// <summary>The smallest percent remaining down to which every ticket level matches the dense network (null: none).</summary>
    public double? MatchesDownTo { get; init; }
    public (double Percent, double Factor)? LargestSpeedUp { get; init; }
    /// <summary>Whether <see cref="LargestSpeedUp"/> is measured or a bound (an early stop at its run's last measurement).</summary>
    public RatioBound SpeedUpBound { get; init; }
    public (double Percent, double Points)? LargestGain { get; init; }

    static string P(double v) => v.ToString(v < 10 ? "0.0#" : "0.0", CultureInfo.InvariantCulture);
    static string N(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);

    public static Headline Of(ExperimentData experiment, IReadOnlyList<ResultRow> allRows, EarlyStopCriterion criterion = EarlyStopCriterion.ValidationLoss) =>
        Of(experiment.Label, PaperReference.For(experiment.Model, experiment.Dataset, experiment.Manifest.Hparams.Model.Dropout), allRows, criterion, experiment.DenseFrom, experiment.Paths,
            experiment.Manifest.Rewind is { } k ? Training.Step.Parse(k).ToString() : "0it");

    /// <summary>The summary of the rows of experiment <paramref name="label"/>.</summary>
    /// <param name="denseFrom">The run whose dense network this experiment is compared with, when not its own.</param>
    /// <param name="paths">The experiment's instability analyses.</param>
    /// <param name="ownRewindPoint">Where the experiment's tickets start (0it, or the run's rewind point).</param>
    public static Headline Of(string label, IReadOnlyList<string> paper, IReadOnlyList<ResultRow> allRows, EarlyStopCriterion criterion = EarlyStopCriterion.ValidationLoss,
        string? denseFrom = null, IReadOnlyList<PathRecord>? paths = null, string ownRewindPoint = "0it")
    {
        var rows = allRows.Where(r => r.Experiment == label).ToList();
        var findings = new List<string>();
        var dense = rows.FirstOrDefault(r => r.Kind == SeriesKind.Dense);
        if (dense is null || dense.EarlyStopTestAccuracy(criterion) is not Statistic denseAcc)
        {
            // Only a one-shot run pruned at initialization has targets and no dense stage of its own.
            findings.Add(dense is null && rows.Any(r => r.Kind == SeriesKind.OneShot)
                ? "No dense network to compare against: this experiment trains none (it prunes at initialization); report it together with a run of " +
                  "the same network, data, training and seed that does (its IMP or one-shot magnitude run)."
                : "The dense network has not finished yet: nothing to compare against.");
            return new Headline(label, findings, paper);
        }
        var denseEs = dense.EarlyStopIteration(criterion);
        static string Range(Statistic s, double scale, string f) => s.Min == s.Max ? "" : $" [{N(s.Min * scale, f)}–{N(s.Max * scale, f)}]";
        findings.Add($"Dense network ({dense.Stages} replicate{(dense.Stages == 1 ? "" : "s")}{(denseFrom is null ? "" : $", of {denseFrom}: this experiment trains none")}): early stop at iteration {N(denseEs.Mean, "0")}{Range(denseEs, 1, "0")}, " +
            $"test accuracy there {N(denseAcc.Mean * 100, "0.00")}%{Range(denseAcc, 100, "0.00")}, at the end {N(dense.FinalTestAccuracy.Mean * 100, "0.00")}%." +
            Censored(dense, "the dense network", "the tickets' early-stop speed-ups against it are lower bounds"));
        var tickets = rows.Where(r => r.Kind.IsTicket && r.EarlyStopTestAccuracy(criterion) is not null)
            .OrderByDescending(r => r.PercentRemaining).ToList();
        bool Matches(ResultRow r) => r.EarlyStopTestAccuracy(criterion)!.Mean >= denseAcc.Min && r.EarlyStopIteration(criterion).Mean <= denseEs.Max;
        if (tickets.Count == 0)
        {
            // A dense run's instability analysis (the dense network against k) is its finding.
            if (paths is { Count: > 0 }) findings.AddRange(StabilityFindings(paths, tickets, Matches, ownRewindPoint));
            else findings.Add("No pruned ticket has finished yet.");
            return new Headline(label, findings, paper);
        }
        // The smallest level that matches; levels above it that miss are named (the early stop is noisy).
        var matching = tickets.Where(Matches).ToList();
        double? downTo = matching.Count == 0 ? null : matching[^1].PercentRemaining;
        if (downTo is double d)
        {
            var above = tickets.Where(t => t.PercentRemaining > d && !Matches(t)).ToList();
            var below = tickets.FirstOrDefault(t => t.PercentRemaining < d);
            findings.Add($"Tickets match the dense network (test accuracy at early stop at least the dense replicates' lowest, early stop no later " +
                $"than their latest) down to {P(d)}% of weights remaining" +
                (above.Count == 0 ? " at every level" : $" (not at {string.Join(", ", above.Select(t => P(t.PercentRemaining) + "%"))})") +
                (below is null ? ", the smallest level run." : $"; at {P(below.PercentRemaining)}% the ticket {Miss(below)}."));
        }
        else
            findings.Add($"No ticket matches the dense network (test accuracy at early stop at least the dense replicates' lowest, early stop no later than their latest); " +
                $"at the first pruned level ({P(tickets[0].PercentRemaining)}%) the ticket {Miss(tickets[0])}.");

        var fastest = tickets.Select(t => (Ticket: t, Factor: denseEs.Mean / Math.Max(1, t.EarlyStopIteration(criterion).Mean))).MaxBy(x => x.Factor);
        var speed = (fastest.Ticket.PercentRemaining, fastest.Factor);
        var speedBound = RatioBounds.Of(dense.EarlyStopCensored(criterion), fastest.Ticket.EarlyStopCensored(criterion));
        var gain = tickets.Select(t => (t.PercentRemaining, Points: (t.EarlyStopTestAccuracy(criterion)!.Mean - denseAcc.Mean) * 100)).MaxBy(x => x.Points);
        findings.Add(SpeedUpFinding());
        findings.Add(gain.Points > 0
            ? $"Largest accuracy gain at early stop: +{N(gain.Points, "0.00")} points over the dense network, at {P(gain.PercentRemaining)}% remaining."
            : $"No ticket is more accurate than the dense network at early stop (the closest: {N(gain.Points, "0.00")} points, at {P(gain.PercentRemaining)}%).");

        // Each branch against the tickets it is attached to: the controls (how far a reinitialized copy falls behind) and
        // the sanity checks (whether shuffling, inverting or reinitializing hurts).
        foreach (var kind in SeriesKind.Order.Where(k => k.Branch is not null))
        {
            var pairs = rows.Where(r => r.Kind == kind && r.EarlyStopTestAccuracy(criterion) is not null)
                .Select(b => (Branch: b, Ticket: tickets.FirstOrDefault(t => t.Position == b.Position)))
                .Where(p => p.Ticket is not null).OrderByDescending(p => p.Branch.PercentRemaining).ToList();
            if (pairs.Count == 0) continue;
            var parts = pairs.Select(p =>
            {
                double gap = (p.Ticket!.EarlyStopTestAccuracy(criterion)!.Mean - p.Branch.EarlyStopTestAccuracy(criterion)!.Mean) * 100;
                double slower = p.Branch.EarlyStopIteration(criterion).Mean / Math.Max(1, p.Ticket.EarlyStopIteration(criterion).Mean);
                var when = RatioBounds.Describe(slower, RatioBounds.Of(p.Branch.EarlyStopCensored(criterion), p.Ticket.EarlyStopCensored(criterion)),
                    "later", "sooner", "as early as the ticket");
                return $"{P(p.Branch.PercentRemaining)}%: {(gap >= 0 ? N(gap, "0.00") + " points below" : N(-gap, "0.00") + " points above")}, early stop {when}";
            });
            var what = kind.Key == "reinit" ? "Randomly reinitialized copies" : $"{char.ToUpperInvariant(kind.Name[0])}{kind.Name[1..]} ({kind.Key})";
            findings.Add($"{what} against their tickets (test accuracy at early stop; early-stop iteration): {string.Join("; ", parts)}.");
        }
        var censoredBranches = rows.Where(r => r.Kind.Branch is not null && r.EarlyStopCensored(criterion)).ToList();
        if (censoredBranches.Count > 0)
            findings.Add($"Early stops at their run's last measurement ({Still()}; the ratios above that involve them are bounds): {string.Join("; ", censoredBranches.Select(r => $"{r.Kind.Name} at {P(r.PercentRemaining)}% ({AtEnd(r)})"))}.");
        if (paths is { Count: > 0 }) findings.AddRange(StabilityFindings(paths, tickets, Matches, ownRewindPoint));
        return new Headline(label, findings, paper) { MatchesDownTo = downTo, LargestSpeedUp = speed, SpeedUpBound = speedBound, LargestGain = gain };

        // A ratio that rounds to 1.00 is no speed-up and no slow-down: "as early as", not "1.00× later". A bounded ratio
        // (an early stop at its run's end) says so, and claims no more than the bound allows.
        string SpeedUpFinding()
        {
            string where = $"{P(speed.PercentRemaining)}% remaining";
            switch (speedBound)
            {
                case RatioBound.Unmeasured:
                    return $"No early-stop speed-up is measured: the dense network and the ticket with the largest ratio ({N(speed.Factor, "0.00")}×, at " +
                           $"{P(speed.PercentRemaining)}%) both stop at their runs' last measurement.";
                case RatioBound.AtLeast or RatioBound.AtMost:
                    var text = RatioBounds.Describe(speed.Factor, speedBound, "sooner than the dense network", "later than the dense network", "as early as the dense network");
                    return $"Largest early-stop speed-up: {text}, at {where}." +
                           (speedBound == RatioBound.AtMost ? Censored(fastest.Ticket, $"the ticket at {P(speed.PercentRemaining)}%", "the speed-up is an upper bound") : "");
            }
            if (N(speed.Factor, "0.00") == "1.00") return $"No ticket stops earlier than the dense network on average: the closest stops as early as it, at {where}.";
            return speed.Factor > 1
                ? $"Largest early-stop speed-up: {N(speed.Factor, "0.00")}× sooner than the dense network, at {where}."
                : $"No ticket stops earlier than the dense network on average (the closest: {N(1 / speed.Factor, "0.00")}× later, at {P(speed.PercentRemaining)}%).";
        }

        string Still() => criterion == EarlyStopCriterion.ValidationLoss ? "the validation loss was still falling" : "the validation accuracy was still rising";
        string AtEnd(ResultRow r) => r.EarlyStopsAtEnd(criterion) != r.Stages ? $"{r.EarlyStopsAtEnd(criterion)} of {r.Stages} stages"
            : r.Stages switch { 1 => "its only stage", 2 => "both stages", _ => $"all {r.Stages} stages" };

        // A sentence for a row whose early stop is censored in some stage, or "".
        string Censored(ResultRow r, string who, string consequence) => !r.EarlyStopCensored(criterion) ? ""
            : $" The early stop of {who} is its run's last measurement in {AtEnd(r)} ({Still()}): its true early stop may be later, so {consequence}.";

        string Miss(ResultRow r)
        {
            var acc = r.EarlyStopTestAccuracy(criterion)!.Mean;
            var es = r.EarlyStopIteration(criterion).Mean;
            var why = new List<string>();
            if (acc < denseAcc.Min) why.Add($"is less accurate ({N(acc * 100, "0.00")}% against the dense replicates' lowest {N(denseAcc.Min * 100, "0.00")}%)");
            if (es > denseEs.Max) why.Add($"stops later (iteration {N(es, "0")} against the dense replicates' latest {N(denseEs.Max, "0")})");
            return string.Join(" and ", why);
        }
    }

    /// <summary>At which rewind point each stage becomes stable (mean test error barrier below the threshold at that k and
    /// every later k measured), and whether the tickets that match the dense network are exactly the ones stable where
    /// they start (k = the run's own rewind point).</summary>
    static IEnumerable<string> StabilityFindings(IReadOnlyList<PathRecord> paths, IReadOnlyList<ResultRow> tickets, Func<ResultRow, bool> matches, string own)
    {
        double threshold = paths[0].Path.Threshold;
        var parts = new List<string>();
        var stableAtOwn = new List<(string Position, double Percent, bool Stable)>();
        foreach (var position in paths.GroupBy(p => (p.Order, p.Position)).OrderBy(g => g.Key.Order))
        {
            var byK = position.GroupBy(p => (p.Path.RewindIteration, p.Path.RewindPoint)).OrderBy(g => g.Key.RewindIteration)
                .Select(g => (K: g.Key.RewindPoint, Mean: g.Average(p => p.Path.TestInstability))).ToList();
            int from = byK.FindIndex(x => x.Mean < threshold);
            while (from >= 0 && byK.Skip(from).Any(x => x.Mean >= threshold)) from = byK.FindIndex(from + 1, x => x.Mean < threshold);
            string percent = P(position.Average(p => p.PercentRemaining));
            string text = from < 0 ? $"{position.Key.Position} ({percent}%): unstable at every k measured (barrier {N(byK[^1].Mean * 100, "0.00")} points at {byK[^1].K})"
                : from == 0 ? $"{position.Key.Position} ({percent}%): stable from k = {byK[0].K}, the first measured (barrier {N(byK[0].Mean * 100, "0.00")} points)"
                : $"{position.Key.Position} ({percent}%): unstable at {byK[from - 1].K} ({N(byK[from - 1].Mean * 100, "0.00")} points), stable from k = {byK[from].K} ({N(byK[from].Mean * 100, "0.00")})";
            parts.Add(text);
            var atOwn = byK.FirstOrDefault(x => x.K == own);
            if (atOwn.K is not null) stableAtOwn.Add((position.Key.Position, position.Average(p => p.PercentRemaining), atOwn.Mean < threshold));
        }
        yield return $"Instability (test error barrier of the linear path between two copies; stable below {N(threshold * 100, "0.##")} points): {string.Join("; ", parts)}.";
        var compared = stableAtOwn.Select(s => (s.Position, s.Percent, s.Stable, Ticket: tickets.FirstOrDefault(t => t.Position == s.Position)))
            .Where(s => s.Ticket is not null).ToList();
        if (compared.Count == 0) yield break;
        var disagree = compared.Where(c => matches(c.Ticket!) != c.Stable).ToList();
        string List(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "none";
        yield return $"Tickets stable where they start (k = {own}): {List(compared.Where(c => c.Stable).Select(c => P(c.Percent) + "%"))}; " +
                     $"matching the dense network: {List(compared.Where(c => matches(c.Ticket!)).Select(c => P(c.Percent) + "%"))}. " +
                     (disagree.Count == 0 ? "The tickets that match are exactly the stable ones."
                         : $"Not exactly the same: {string.Join(", ", disagree.Select(d => $"{P(d.Percent)}% is {(d.Stable ? "stable but does not match" : "unstable but matches")}"))}.");
    }
}
