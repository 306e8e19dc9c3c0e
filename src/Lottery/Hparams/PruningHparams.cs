namespace Lottery.Hparams;

/// <summary>How each round prunes.</summary>
/// <param name="Strategy">layerwise (a rate per kind of layer, the paper's small nets) or global (one threshold).</param>
/// <param name="ConvRate">Layer-wise: fraction of the remaining weights of each conv layer pruned per round.</param>
/// <param name="FcRate">Layer-wise: the same for hidden fully-connected layers.</param>
/// <param name="OutputRate">Layer-wise: the same for the output layer.</param>
/// <param name="LayerRates">Layer-wise: per-tensor overrides by name (e.g. fc1.weight=0.3).</param>
/// <param name="GlobalRate">Global: fraction of all remaining prunable weights pruned per round.</param>
/// <param name="Exclude">Global: tensors never pruned (VGG-19: fc; the CIFAR ResNet: shortcuts and fc).</param>
public sealed record PruningHparams(
    string Strategy = "layerwise",
    double ConvRate = 0.1,
    double FcRate = 0.2,
    double OutputRate = 0.1,
    IReadOnlyDictionary<string, double>? LayerRates = null,
    double GlobalRate = 0.2,
    IReadOnlyList<string>? Exclude = null)
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
            c.Add("global_rate", GlobalRate, double.NaN).Add("exclude", ExcludeList.OrderBy(x => x, StringComparer.Ordinal));
        return c;
    }

    public void Validate()
    {
        if (Strategy is not ("layerwise" or "global"))
            throw new HparamsException($"unknown pruning strategy '{Strategy}': use layerwise or global");
        foreach (var (name, rate) in new[] { ("conv", ConvRate), ("fc", FcRate), ("output", OutputRate), ("global", GlobalRate) }
                     .Concat(LayerRateMap.Select(kv => (kv.Key, kv.Value))))
            if (rate is < 0 or >= 1 || double.IsNaN(rate))
                throw new HparamsException($"pruning rate for {name} must be in [0, 1) (got {rate})");
    }
}
