namespace Lottery.Hparams;

/// <summary>How each round prunes.</summary>
/// <param name="Strategy">layerwise (a rate per kind of layer, the paper's small nets) or global (one threshold).</param>
/// <param name="ConvRate">Layer-wise: fraction of the remaining weights of each conv layer pruned per round.</param>
/// <param name="FcRate">Layer-wise: the same for hidden fully-connected layers.</param>
/// <param name="OutputRate">Layer-wise: the same for the output layer.</param>
/// <param name="LayerRates">Layer-wise: per-tensor overrides by name (e.g. fc1.weight=0.3).</param>
/// <param name="GlobalRate">Global: fraction of all remaining prunable weights pruned per round.</param>
/// <param name="Exclude">Tensors never pruned (VGG-19: fc; the CIFAR ResNet: shortcuts and fc), under either strategy.</param>
/// <param name="Include">When given, only these tensors are pruned (every other prunable tensor trains but keeps all its
/// weights, as if excluded); null = every conv and linear weight. Exclude applies after Include.</param>
/// <param name="Score">How weights are ranked (<see cref="Pruning.Scoring.ScoreRegistry"/>) with its own hyperparameters; null =
/// magnitude after training, the paper's. Separate from the strategy: every score works with either strategy.</param>
public sealed record PruningHparams(
    string Strategy = "layerwise",
    double ConvRate = 0.1,
    double FcRate = 0.2,
    double OutputRate = 0.1,
    IReadOnlyDictionary<string, double>? LayerRates = null,
    double GlobalRate = 0.2,
    IReadOnlyList<string>? Exclude = null,
    IReadOnlyList<string>? Include = null,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(Pruning.Scoring.ScoreHparamsConverter))]
    Pruning.Scoring.ScoreHparams? Score = null)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyDictionary<string, double> LayerRateMap => LayerRates ?? new Dictionary<string, double>();
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> ExcludeList => Exclude ?? [];

    public Canonical ToCanonical()
    {
        var c = new Canonical().Add("strategy", Strategy);
        if (Strategy == "layerwise")
            c.Add("conv_rate", ConvRate, double.NaN).Add("fc_rate", FcRate, double.NaN)
             .Add("output_rate", OutputRate, double.NaN).Add("layer_rates", LayerRateMap);
        else
            c.Add("global_rate", GlobalRate, double.NaN);
        c.Add("exclude", ExcludeList.OrderBy(x => x, StringComparer.Ordinal));
        if (Include is not null) c.Add("include", Include.OrderBy(x => x, StringComparer.Ordinal));
        // The default score adds nothing: runs made before scores were selectable keep their hashes.
        if (Score is not null && Score.Name != Pruning.Scoring.ScoreRegistry.Default.Name) c.Add("score", Score.ToCanonical());
        return c;
    }

    public void Validate()
    {
        if (Strategy is not ("layerwise" or "global"))
            throw new HparamsException($"unknown pruning strategy '{Strategy}': use layerwise or global", "pruning.strategy");
        foreach (var (name, rate) in new[] { ("conv", ConvRate), ("fc", FcRate), ("output", OutputRate), ("global", GlobalRate) }
                     .Concat(LayerRateMap.Select(kv => (kv.Key, kv.Value))))
            if (!(rate >= 0 && rate < 1))
                throw new HparamsException($"pruning rate for {name} must be in [0, 1) (got {rate})");
        if (Score is not null)
        {
            Pruning.Scoring.ScoreRegistry.Get(Score.Name);
            Score.Validate();
        }
        if (Include is { Count: 0 })
            throw new HparamsException("the include list is empty, so nothing would be pruned: name the tensors to prune, or pass null to prune every conv and linear weight");
    }

    /// <summary>The tensors no round prunes: the excluded ones, and with an include list every tensor not on it.</summary>
    public ISet<string> Unpruned(IReadOnlyList<string> tensorNames)
    {
        var set = ExcludeList.ToHashSet(StringComparer.Ordinal);
        if (Include is not null)
            foreach (var name in tensorNames.Where(n => !Include.Contains(n))) set.Add(name);
        return set;
    }

    /// <summary>The same hyperparameters with every tensor name written in full as the model names it ("fc1" and
    /// "fc1.weight" are one tensor and must give one run hash), duplicates removed. Unknown names are refused.</summary>
    public PruningHparams Normalize(IReadOnlyList<string> tensorNames)
    {
        string Resolve(string given, string what) =>
            tensorNames.FirstOrDefault(n => n == given || n == given + ".weight")
            ?? throw new HparamsException($"{what} names no prunable tensor '{given}': the model has {string.Join(", ", tensorNames)}");
        var rates = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, rate) in LayerRateMap)
        {
            var full = Resolve(name, "layer rate");
            if (rates.TryGetValue(full, out var other) && other != rate)
                throw new HparamsException($"layer rate for {full} is given twice ({other} and {rate}): give it once");
            rates[full] = rate;
        }
        var exclude = ExcludeList.Select(e => Resolve(e, "exclude")).Distinct().Order(StringComparer.Ordinal).ToList();
        var include = Include?.Select(e => Resolve(e, "include")).Distinct().Order(StringComparer.Ordinal).ToList();
        return this with
        {
            Include = include,
            LayerRates = LayerRates is null ? null : rates,
            Exclude = Exclude is null ? null : exclude,
        };
    }
}
