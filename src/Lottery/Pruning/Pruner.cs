using Lottery.Hparams;
using Lottery.Models;

namespace Lottery.Pruning;

/// <summary>
/// Magnitude pruning as the paper does it, layer-wise (a rate per kind of layer, per-layer overrides) or
/// global (one threshold over all prunable tensors but the excluded ones), plus the random-pruning control.
/// Counts are exact: each round removes round(rate × remaining) weights from each group; ties in magnitude
/// break by position (tensor order, then index), so the same weights give the same mask on any machine.
/// </summary>
public sealed class Pruner
{
    readonly IReadOnlyList<PrunableTensor> _tensors;

    public IReadOnlyList<PruningGroup> Groups { get; }
    /// <summary>Tensors no group prunes (global pruning's exclusions).</summary>
    public IReadOnlyList<string> Excluded { get; }

    public Pruner(PruningHparams hparams, IReadOnlyList<PrunableTensor> tensors)
    {
        hparams.Validate();
        _tensors = tensors;
        var names = tensors.Select(t => t.Name).ToList();
        hparams = hparams.Normalize(names);
        var excluded = hparams.Unpruned(names);
        Excluded = names.Where(excluded.Contains).ToList();
        if (hparams.Strategy == "layerwise")
        {
            var overrides = hparams.LayerRateMap;
            Groups = tensors.Where(t => !excluded.Contains(t.Name)).Select(t => new PruningGroup([t.Name],
                overrides.TryGetValue(t.Name, out var r) ? r : t.Kind switch
                {
                    LayerKind.Conv => hparams.ConvRate,
                    LayerKind.FullyConnected => hparams.FcRate,
                    _ => hparams.OutputRate,
                })).ToList();
        }
        else Groups = [new PruningGroup(names.Where(n => !excluded.Contains(n)).ToList(), hparams.GlobalRate)];
    }

    /// <summary>One round: prunes round(rate × remaining) of the smallest-magnitude surviving weights of each group.</summary>
    public Mask PruneRound(Mask current, IReadOnlyDictionary<string, float[]> weights)
    {
        var next = current.Clone();
        foreach (var group in Groups)
        {
            long remaining = group.Tensors.Sum(current.Remaining);
            PruneSmallest(next, weights, group.Tensors, group.CountToPrune(remaining));
        }
        return next;
    }

    /// <summary>Survivor counts per group after <paramref name="rounds"/> rounds from dense, without weights:
    /// the arithmetic <see cref="PruneRound"/> performs, for planning and for tests against the paper's tables.</summary>
    public IReadOnlyList<long> RemainingAfterRounds(int rounds) => Groups.Select(g =>
    {
        long remaining = g.Tensors.Sum(n => _tensors.First(t => t.Name == n).Count);
        for (int k = 0; k < rounds; k++) remaining -= g.CountToPrune(remaining);
        return remaining;
    }).ToList();

    /// <summary>Percent of all prunable weights (excluded ones included, as the paper counts) left after k rounds.</summary>
    public double PercentRemainingAfterRounds(int rounds)
    {
        long total = _tensors.Sum(t => t.Count);
        long excluded = Excluded.Sum(n => _tensors.First(t => t.Name == n).Count);
        return 100.0 * (RemainingAfterRounds(rounds).Sum() + excluded) / total;
    }

    /// <summary>
    /// One-shot pruning straight to <paramref name="percentRemaining"/> of all prunable weights. Layer-wise, the
    /// groups keep the ratios iterative pruning would give them (each keeps (1 − rate)^x of its weights, with the
    /// same x for all, found by bisection); globally, one group keeps what is needed.
    /// </summary>
    public Mask PruneTo(Mask dense, IReadOnlyDictionary<string, float[]> weights, double percentRemaining)
    {
        if (percentRemaining is <= 0 or > 100) throw new HparamsException($"target percent remaining must be in (0, 100] (got {percentRemaining})");
        var sizes = Groups.Select(g => g.Tensors.Sum(dense.Size)).ToList();
        long total = dense.TotalSize;
        long excluded = Excluded.Sum(dense.Size);
        long target = (long)Math.Round(percentRemaining / 100 * total, MidpointRounding.AwayFromZero);
        long[] Keep(double x) => Groups.Select((g, i) =>
            (long)Math.Round(sizes[i] * Math.Pow(1 - g.Rate, x), MidpointRounding.AwayFromZero)).ToArray();
        double lo = 0, hi = 1;
        while (Keep(hi).Sum() + excluded > target && hi < 1e6) hi *= 2;
        for (int iter = 0; iter < 200; iter++)
        {
            double mid = (lo + hi) / 2;
            if (Keep(mid).Sum() + excluded > target) lo = mid; else hi = mid;
        }
        var keep = Keep(hi);
        var mask = dense.Clone();
        for (int i = 0; i < Groups.Count; i++)
            PruneSmallest(mask, weights, Groups[i].Tensors, Groups[i].Tensors.Sum(mask.Remaining) - keep[i]);
        return mask;
    }

    /// <summary>The random-pruning control: as many survivors as <paramref name="reference"/> in each group
    /// (per layer for layer-wise pruning, in total for global), placed uniformly at random by <paramref name="seed"/>.</summary>
    public Mask RandomLike(Mask reference, long seed)
    {
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        var mask = reference.Clone();
        foreach (var group in Groups)
        {
            long survivors = group.Tensors.Sum(reference.Remaining);
            var positions = group.Tensors.SelectMany(n => Enumerable.Range(0, (int)reference.Size(n)).Select(i => (n, i))).ToArray();
            random.Shuffle(positions);
            foreach (var n in group.Tensors) Array.Fill(mask[n], false);
            for (long k = 0; k < survivors; k++) mask[positions[k].n][positions[k].i] = true;
        }
        return mask;
    }

    /// <summary>Prunes the <paramref name="count"/> surviving weights of smallest magnitude among <paramref name="tensors"/>.
    /// The sort key packs |w|'s bits above the weight's position in the group, so ties break by position.</summary>
    static void PruneSmallest(Mask mask, IReadOnlyDictionary<string, float[]> weights, IReadOnlyList<string> tensors, long count)
    {
        if (count <= 0) return;
        var keys = new List<ulong>();
        var offsets = new List<long>();
        long offset = 0;
        foreach (var name in tensors)
        {
            var alive = mask[name];
            var w = weights.TryGetValue(name, out var values) ? values
                : throw new InvalidDataException($"weights have no tensor '{name}'");
            if (w.Length != alive.Length) throw new InvalidDataException($"tensor '{name}' has {w.Length} weights, its mask {alive.Length}");
            for (int i = 0; i < alive.Length; i++)
                if (alive[i])
                {
                    // For non-negative floats the IEEE bit pattern orders like the value.
                    uint bits = BitConverter.SingleToUInt32Bits(MathF.Abs(w[i]));
                    keys.Add(((ulong)bits << 32) | (ulong)(offset + i));
                }
            offsets.Add(offset);
            offset += alive.Length;
        }
        if (offset > uint.MaxValue) throw new NotSupportedException("a pruning group is larger than 2^32 weights");
        var sorted = keys.ToArray();
        Array.Sort(sorted);
        long n = Math.Min(count, sorted.LongLength);
        for (long k = 0; k < n; k++)
        {
            long position = (long)(sorted[k] & 0xffffffffUL);
            int t = offsets.BinarySearch(position);
            if (t < 0) t = ~t - 1;
            mask[tensors[t]][(int)(position - offsets[t])] = false;
        }
    }
}
