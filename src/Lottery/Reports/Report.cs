namespace Lottery.Reports;

/// <summary>A report of one or more experiments: their data, the table, a headline summary of each, the figures.</summary>
/// <param name="Criterion">The early-stopping criterion of the headline summaries (figures and tables show both).</param>
/// <param name="Comparison">Methods side by side, when several experiments share a dense network.</param>
/// <param name="Context">For a report made by `lottery reproduce`: the paper's figures and numbers it is laid out against.</param>
public sealed record Report(IReadOnlyList<ExperimentData> Experiments, IReadOnlyList<ResultRow> Rows, IReadOnlyList<Headline> Headlines,
    IReadOnlyList<Figure> Figures, EarlyStopCriterion Criterion, DateTimeOffset Created, MethodComparison? Comparison = null, ReportContext? Context = null)
{
    /// <summary>The paper's numbers beside this report's (empty without a <see cref="Context"/>).</summary>
    public IReadOnlyList<ClaimRow> Claims => PaperComparison.Of(this);

    /// <summary>Reads the runs, names them, measures training accuracy where missing (when given a meter), then
    /// computes the table, the summaries and the figures.</summary>
    public static Report Build(IReadOnlyList<string> runDirectories, TrainAccuracy? trainAccuracy = null, Action<string>? log = null,
        IReadOnlyList<double>? curveLevels = null, EarlyStopCriterion criterion = EarlyStopCriterion.ValidationLoss, ReportContext? context = null)
    {
        var experiments = runDirectories.Distinct().Select(ExperimentData.Load).ToList();
        if (context?.Branches is { } kept)
            experiments = experiments.Select(e => e.OnlyBranches(kept.GetValueOrDefault(e.Run) ?? new HashSet<string>())).ToList();
        experiments = BorrowDense(experiments);
        Name(experiments);
        if (trainAccuracy is not null)
            foreach (var e in experiments) trainAccuracy.Fill(e, s => log?.Invoke($"measuring training accuracy of {s}"));
        var rows = ResultTable.Build(experiments);
        // The paper's figures for a network are printed once, with the first experiment on it.
        var headlines = experiments.Select((e, i) => experiments.Take(i).Any(p => p.Model == e.Model && p.Dataset == e.Dataset)
            ? Headline.Of(e, rows, criterion) with { Paper = [] } : Headline.Of(e, rows, criterion)).ToList();
        var figures = FigureSet.Draw(experiments, rows, curveLevels);
        return new Report(experiments, rows, headlines, figures, criterion, DateTimeOffset.UtcNow, MethodComparison.Of(experiments, rows, criterion), context);
    }

    /// <summary>An experiment that trained no dense network (pruning at initialization prunes before any training) shows
    /// the dense stages of another experiment of the report with the same dense network (the same network, data, training
    /// and seed: <see cref="ExperimentData.DenseIdentity"/>), so that its tickets are compared with it.</summary>
    static List<ExperimentData> BorrowDense(List<ExperimentData> experiments) => experiments.Select(e =>
        e.Stages.Any(s => s.Kind == SeriesKind.Dense) ? e
        : experiments.FirstOrDefault(d => d != e && d.DenseFrom is null && d.DenseIdentity == e.DenseIdentity && d.Stages.Any(s => s.Kind == SeriesKind.Dense)) is { } donor
            ? e.WithDenseOf(donor) : e).ToList();

    /// <summary>"lenet_300_100 on mnist, iterative, reset to θ0"; experiments that would share a name get what tells
    /// them apart (<see cref="Distinction"/>), then the run's name.</summary>
    static void Name(List<ExperimentData> experiments)
    {
        foreach (var e in experiments) e.Label = $"{e.Model} on {e.Dataset}, {e.Procedure}";
        foreach (var group in experiments.GroupBy(e => e.Label).Where(g => g.Count() > 1).Select(g => g.ToList()).ToList())
            foreach (var (e, text) in group.Zip(Distinction.Of(group.Select(e => e.Manifest.Hparams).ToList())))
                if (text.Length > 0) e.Label += ", " + text;
        foreach (var group in experiments.GroupBy(e => e.Label).Where(g => g.Count() > 1))
            foreach (var e in group) e.Label += $" ({e.Run})";
    }
}
