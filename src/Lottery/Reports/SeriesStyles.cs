using ScottPlot;

namespace Lottery.Reports;

/// <summary>
/// How each series of a report is drawn, the same in every figure and on the page. Colour tells apart what the figure
/// compares: in a report of one experiment, the kinds of stage (the ticket blue, random reinitialization red, …); in a
/// report of several, the experiments (each its method's colour: iterative blue, rewound purple, a one-shot score its
/// own). The marker and line pattern always tell the kind (tickets filled and solid, each branch its hollow marker and
/// pattern), and the dense network is a square of its own in every figure (black, or its experiment's colour when
/// the experiments have different dense networks).
/// </summary>
public sealed class SeriesStyles
{
    readonly IReadOnlyList<ExperimentData> _experiments;
    readonly Dictionary<string, string> _colors = new();

    static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public SeriesStyles(IReadOnlyList<ExperimentData> experiments)
    {
        _experiments = experiments;
        SeveralDenseNetworks = experiments.Select(e => e.DenseIdentity).Distinct().Count() > 1;
        var used = new HashSet<string>();
        foreach (var e in experiments)
        {
            var natural = Natural(e);
            var color = used.Contains(natural) ? Palette.FirstOrDefault(c => !used.Contains(c)) ?? natural : natural;
            used.Add(color);
            _colors[e.Label] = color;
        }
        // Legends name experiments by what tells them apart: the method alone when every experiment is the same network on
        // the same data and the methods differ ("IMP", "snip").
        var prefix = $"{experiments.FirstOrDefault()?.Model} on {experiments.FirstOrDefault()?.Dataset}, ";
        bool sameNetwork = experiments.Count > 1 && experiments.All(e => e.Label.StartsWith(prefix, StringComparison.Ordinal));
        bool distinctMethods = experiments.Select(e => e.Method).Distinct().Count() == experiments.Count;
        if (sameNetwork && distinctMethods)
            foreach (var e in experiments) _short[e.Label] = e.Method;
        else
        {
            // Else the label without the leading parts all share ("vgg19_16 on cifar10, iterative, reset to θ0, sgd lr
            // 0.1, warmup 267it" and two more at other rates: "sgd lr 0.1, warmup 267it"), which Shared names once.
            var parts = experiments.Select(e => e.Label.Split(", ")).ToList();
            int common = 0;
            while (parts.Count > 1 && parts.All(p => p.Length > common + 1) && parts.All(p => p[common] == parts[0][common])) common++;
            Shared = common == 0 ? "" : string.Join(", ", parts[0].Take(common));
            foreach (var (e, p) in experiments.Zip(parts)) _short[e.Label] = string.Join(", ", p.Skip(common));
        }
    }

    /// <summary>What every experiment's label begins with and legends leave out ("" when nothing is shared, or when the
    /// experiments are methods named by their method alone).</summary>
    public string Shared { get; } = "";

    readonly Dictionary<string, string> _short = new();

    /// <summary>True when colours tell experiments apart (more than one), false when they tell kinds apart.</summary>
    public bool ByExperiment => _experiments.Count > 1;

    static string Natural(ExperimentData e) => e.Manifest.Kind switch
    {
        "lottery" => e.Manifest.Rewind is null ? SeriesKind.Iterative.Color : SeriesKind.Rewinding.Color,
        "oneshot" => e.Score!.Color,
        _ => SeriesKind.Dense.Color,
    };

    /// <summary>True when the experiments have different dense networks (each trains its own, as at different learning
    /// rates): their squares then take their experiments' colours, or the legend would hold identical black squares.</summary>
    public bool SeveralDenseNetworks { get; }

    public string Color(string experiment, SeriesKind kind) =>
        kind == SeriesKind.Dense && !SeveralDenseNetworks ? SeriesKind.Dense.Color
        : ByExperiment ? _colors.GetValueOrDefault(experiment, "#000000") : kind.Color;

    public static MarkerShape Marker(SeriesKind kind) => kind.Key switch
    {
        "dense" => MarkerShape.FilledSquare,
        "reinit" => MarkerShape.OpenCircle,
        "random_pruning" => MarkerShape.OpenSquare,
        "continued" => MarkerShape.OpenDiamond,
        "shuffle" => MarkerShape.OpenTriangleUp,
        "invert" => MarkerShape.OpenTriangleDown,
        _ => kind.Branch is null ? MarkerShape.FilledCircle : MarkerShape.Eks,
    };

    public static LinePattern Pattern(SeriesKind kind) => kind.Key switch
    {
        "reinit" or "shuffle" => LinePattern.Dashed,
        "random_pruning" or "invert" => LinePattern.Dotted,
        "continued" => LinePattern.DenselyDashed,
        _ => kind.Branch is null ? LinePattern.Solid : LinePattern.Dashed,
    };

    /// <summary>The experiment's label as legends show it (without what all experiments share).</summary>
    public string Short(string experiment) => _short.GetValueOrDefault(experiment, experiment);

    /// <summary>One experiment: the kind ("random reinitialization (n=3)"); several: the experiment, and the branch if it
    /// is one ("snip: layer-wise shuffle (n=2)").</summary>
    public string Legend(string experiment, SeriesKind kind, int n) =>
        !ByExperiment || kind == SeriesKind.Dense ? $"{kind.Name} (n={n})"
        : kind.Branch is null ? $"{Short(experiment)} (n={n})" : $"{Short(experiment)}: {kind.Name} (n={n})";
}
