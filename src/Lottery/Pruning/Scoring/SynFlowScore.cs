using Lottery.Hparams;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Pruning.Scoring;

/// <param name="Rounds">Scoring rounds, each pruning a little more (the paper: 100).</param>
/// <param name="Schedule">How the density falls over the rounds: exponential (the paper's: density^(k/rounds)) or linear.</param>
public sealed record SynFlowHparams(int Rounds = 100, string Schedule = "exponential") : ScoreHparams
{
    public override string Name => "synflow";
    protected override Canonical Fields(Canonical c) => c.Add("rounds", Rounds, 100).Add("schedule", Schedule, "exponential");

    public override void Validate()
    {
        if (Rounds < 1) throw new HparamsException($"synflow rounds must be at least 1 (got {Rounds})");
        if (Schedule is not ("exponential" or "linear")) throw new HparamsException($"unknown synflow schedule '{Schedule}': use exponential or linear");
    }
}

/// <summary>
/// SynFlow (Tanaka, Kunin, Yamins &amp; Ganguli, NeurIPS 2020): data-free. Every parameter and buffer is replaced by its
/// absolute value, an all-ones input goes through the network (evaluation mode), R is the sum of the outputs, and a
/// weight's score is |θ ⊙ ∂R/∂θ|. Applied iteratively: <see cref="SynFlowHparams.Rounds"/> rounds, each rescoring the
/// masked network and pruning to the next density of the schedule, so no layer is cut off (layer collapse is what it
/// avoids). Numerical care: R grows with the product of the layers' absolute weights, which overflows float32 in deep
/// networks (the reference code has the float64 switch commented out); here the whole pass runs in float64, and the
/// scores are scaled by a power of two (exact) so the largest is about 1 before they are rounded to float32 for the
/// ranking. Sparsity is scheduled over the weights the strategy prunes, as Synaptic-Flow's masked parameters.
/// </summary>
public sealed class SynFlowScore : PruningScore
{
    public override string Name => "synflow";
    public override string Description => "SynFlow |θ0 ⊙ ∂R/∂θ| on an all-ones input, data-free, iterated over rounds, no training first";
    public override string Source => "Tanaka et al. 2020; ganguli-lab/Synaptic-Flow Pruners.SynFlow and prune_loop";
    public override ScoreHparams Defaults { get; } = new SynFlowHparams();
    public override string Color => "#17becf";

    public override Scores Score(ScoreContext context, ScoreHparams hparams, Mask current)
    {
        Own<SynFlowHparams>(hparams);
        using var network = Linearized(context, current);
        return Scaled(Flow(network, current, out _));
    }

    /// <summary>The scores as floats for the ranking: scaled by a power of two (exact) so the largest is in [0.5, 1).</summary>
    static Scores Scaled(IReadOnlyDictionary<string, double[]> raw)
    {
        double max = raw.Values.SelectMany(v => v).DefaultIfEmpty(0).Max();
        if (double.IsInfinity(max) || double.IsNaN(max))
            throw new HparamsException("synflow: the synaptic flow overflows even in float64 for this network: it is too deep for the data-free score");
        double scale = max > 0 ? Math.Pow(2, -Math.Ceiling(Math.Log2(max))) : 1;
        return new Scores(raw.ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => (float)(v * scale)).ToArray()));
    }

    /// <summary>The scores |θ ⊙ ∂R/∂θ| in float64, before any scaling, per prunable tensor: for a network without biases
    /// each layer's scores sum to R (the conservation law the paper proves), which the tests check.</summary>
    /// <param name="flow">R itself.</param>
    public static IReadOnlyDictionary<string, double[]> Synaptic(ScoreContext context, Mask current, out double flow)
    {
        using var network = Linearized(context, current);
        return Flow(network, current, out flow);
    }

    /// <summary>The network in float64 with every parameter and buffer replaced by its absolute value.</summary>
    static ScoringNetwork Linearized(ScoreContext context, Mask mask)
    {
        var network = new ScoringNetwork(context, mask, dtype: ScalarType.Float64);
        using var _ = no_grad();
        foreach (var (_, p) in network.Model.named_parameters()) p.abs_();
        foreach (var (_, b) in network.Model.named_buffers()) if (b.is_floating_point()) b.abs_();
        return network;
    }

    /// <summary>One pass of the linearized network under <paramref name="mask"/> (pruned weights set to zero in place: masks
    /// only shrink over the rounds), R = Σ outputs for an all-ones input, and every prunable weight's |θ ⊙ ∂R/∂θ|.</summary>
    static IReadOnlyDictionary<string, double[]> Flow(ScoringNetwork network, Mask mask, out double flow)
    {
        using var scope = NewDisposeScope();
        var model = network.Model;
        using (no_grad())
            foreach (var (name, w) in network.Weights)
            {
                w.grad?.zero_();
                using var keep = tensor(mask[name]).view(w.shape).to(w.dtype);
                w.mul_(keep);
            }
        var shape = model.Input;
        var input = ones([1, shape.Channels, shape.Height, shape.Width], dtype: ScalarType.Float64);
        var r = model.forward(input).sum();
        r.backward();
        flow = r.item<double>();
        return network.Weights.ToDictionary(w => w.Name, w =>
        {
            var g = w.Weight.grad ?? zeros_like(w.Weight);
            return (g * w.Weight).abs().contiguous().view(-1).data<double>().ToArray();
        });
    }

    public override Mask Prune(ScoreContext context, ScoreHparams hparams, Pruner strategy, Mask current, double percentRemaining)
    {
        var h = Own<SynFlowHparams>(hparams);
        long total = strategy.Tensors.Sum(t => t.Count);
        long excluded = strategy.Excluded.Sum(n => strategy.Tensors.First(t => t.Name == n).Count);
        long prunable = total - excluded;
        if (prunable == 0) return current.Clone();
        double start = strategy.Pruned.Sum(current.Remaining) / (double)prunable;
        double end = Math.Max(0, (percentRemaining / 100 * total - excluded) / prunable);
        var mask = current;
        // One linearized network for all rounds: each round zeroes what the last one pruned.
        using var network = Linearized(context, current);
        for (int k = 1; k <= h.Rounds; k++)
        {
            double t = (double)k / h.Rounds;
            double fraction = h.Schedule == "linear" ? start + (end - start) * t
                : end <= 0 ? start * (1 - t) : start * Math.Pow(end / start, t);
            double percent = k == h.Rounds ? percentRemaining : 100 * (fraction * prunable + excluded) / total;
            mask = strategy.PruneTo(mask, context.Oriented(Scaled(Flow(network, mask, out _))), Math.Clamp(percent, double.Epsilon, 100));
        }
        return mask;
    }
}
