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
    /// them apart (dropout, then optimizer and rate, then warmup; then any other hyperparameter that differs, up to three;
    /// then the run's name). Dropout comes first: it is what the paper's Figure 6 compares.</summary>
    static void Name(List<ExperimentData> experiments)
    {
        foreach (var e in experiments) e.Label = $"{e.Model} on {e.Dataset}, {e.Procedure}";
        foreach (var group in experiments.GroupBy(e => e.Label).Where(g => g.Count() > 1))
        {
            var list = group.ToList();
            var t = list.Select(e => e.Manifest.Hparams.Training).ToList();
            bool dropouts = list.Select(e => e.Manifest.Hparams.Model.Dropout).Distinct().Count() > 1;
            bool warmups = t.Select(x => x.Warmup ?? "").Distinct().Count() > 1;
            bool rates = t.Select(x => $"{x.Optimizer} {x.Lr}").Distinct().Count() > 1;
            foreach (var e in list)
            {
                var h = e.Manifest.Hparams.Training;
                var dropout = e.Manifest.Hparams.Model.Dropout;
                var extra = new List<string>();
                if (dropouts) extra.Add(dropout > 0 ? $"dropout {dropout.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "no dropout");
                if (rates) extra.Add($"{h.Optimizer} lr {h.Lr}");
                if (warmups) extra.Add(h.Warmup is null ? "no warmup" : $"warmup {h.Warmup}");
                if (extra.Count > 0) e.Label += ", " + string.Join(", ", extra);
            }
        }
        foreach (var group in experiments.GroupBy(e => e.Label).Where(g => g.Count() > 1))
        {
            var list = group.ToList();
            var fields = list.Select(e => Flatten(new Hparams.Canonical().Add("dataset", e.Manifest.Hparams.Dataset.ToCanonical())
                .Add("model", e.Manifest.Hparams.Model.ToCanonical()).Add("training", e.Manifest.Hparams.Training.ToCanonical())
                .Add("pruning", e.Manifest.Hparams.Pruning.ToCanonical()).ToJson(), "")).ToList();
            var differing = fields.SelectMany(f => f.Keys).Distinct().Order(StringComparer.Ordinal)
                .Where(k => fields.Select(f => f.GetValueOrDefault(k, "default")).Distinct().Count() > 1).Take(3).ToList();
            foreach (var (e, f) in list.Zip(fields, (e, f) => (e, f)))
                if (differing.Count > 0) e.Label += ", " + string.Join(", ", differing.Select(k => $"{k[(k.LastIndexOf('.') + 1)..]} {f.GetValueOrDefault(k, "default")}"));
        }
        foreach (var group in experiments.GroupBy(e => e.Label).Where(g => g.Count() > 1))
            foreach (var e in group) e.Label += $" ({e.Run})";
    }

    /// <summary>A canonical hyperparameter object as "section.name" → its value in text.</summary>
    static Dictionary<string, string> Flatten(System.Text.Json.Nodes.JsonObject o, string prefix)
    {
        var flat = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in o)
            if (v is System.Text.Json.Nodes.JsonObject nested)
                foreach (var (nk, nv) in Flatten(nested, prefix + k + ".")) flat[nk] = nv;
            else flat[prefix + k] = v is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var text) ? text : v?.ToJsonString() ?? "";
        return flat;
    }
}
