using Lottery.Hparams;
using Lottery.Models;

namespace Lottery.Pruning;

/// <summary>
/// How pruning spreads its rates over the network (the run's pruning strategy and exclusions), separate from how
/// weights are scored (<see cref="Scores"/>): layer-wise (a rate per kind of layer, per-layer overrides) or global
/// (one threshold over all prunable tensors but the excluded ones). Every score works with every strategy.
/// Counts are exact: each round removes round(rate × remaining) weights from each group; ties in score break by
/// position (tensor order, then index), so the same scores give the same mask on any machine.
/// </summary>
public sealed class Pruner
{
    readonly IReadOnlyList<PrunableTensor> _tensors;

    public IReadOnlyList<PruningGroup> Groups { get; }
    /// <summary>Tensors no group prunes (exclusions, and everything outside an include list).</summary>
    public IReadOnlyList<string> Excluded { get; }
    public IReadOnlyList<PrunableTensor> Tensors => _tensors;

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

    /// <summary>The names of the tensors some group prunes.</summary>
    public IEnumerable<string> Pruned => Groups.SelectMany(g => g.Tensors);

    /// <summary>One round: prunes round(rate × remaining) of the lowest-scored surviving weights of each group.</summary>
    public Mask PruneRound(Mask current, Scores scores)
    {
        var next = current.Clone();
        foreach (var group in Groups)
        {
            long remaining = group.Tensors.Sum(current.Remaining);
            PruneLowest(next, scores, group.Tensors, group.CountToPrune(remaining));
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
    /// How many weights each group keeps at <paramref name="percentRemaining"/> of all prunable weights. Layer-wise,
    /// the groups keep the ratios iterative pruning would give them (each keeps (1 − rate)^x of its weights, with the
    /// same x for all, found by bisection); globally, the one group keeps what is needed.
    /// </summary>
    public IReadOnlyList<long> KeptAt(double percentRemaining)
    {
        if (!(percentRemaining > 0 && percentRemaining <= 100)) throw new HparamsException($"target percent remaining must be in (0, 100] (got {percentRemaining})");
        var sizes = Groups.Select(g => g.Tensors.Sum(n => _tensors.First(t => t.Name == n).Count)).ToList();
        long total = _tensors.Sum(t => t.Count);
        long excluded = Excluded.Sum(n => _tensors.First(t => t.Name == n).Count);
        long target = (long)Math.Round(percentRemaining / 100 * total, MidpointRounding.AwayFromZero);
        long[] Keep(double x) => Groups.Select((g, i) =>
            (long)Math.Round(sizes[i] * Math.Pow(1 - g.Rate, x), MidpointRounding.AwayFromZero)).ToArray();
        if (Groups.Count == 1) return [Math.Clamp(target - excluded, 0, sizes[0])];
        double lo = 0, hi = 1;
        while (Keep(hi).Sum() + excluded > target && hi < 1e6) hi *= 2;
        for (int iter = 0; iter < 200; iter++)
        {
            double mid = (lo + hi) / 2;
            if (Keep(mid).Sum() + excluded > target) lo = mid; else hi = mid;
        }
        return Keep(hi);
    }

    /// <summary>The tensors that <see cref="KeptAt"/> leaves without a single weight (known before any score is computed:
    /// a layer-wise target that prunes a layer away).</summary>
    public IReadOnlyList<string> EmptiedAt(double percentRemaining)
    {
        var kept = KeptAt(percentRemaining);
        return Groups.Where((g, i) => kept[i] == 0 && g.Tensors.Count == 1).SelectMany(g => g.Tensors).ToList();
    }

    /// <summary>Prunes <paramref name="current"/> down to <paramref name="percentRemaining"/> of all prunable weights by
    /// <paramref name="scores"/> (one-shot pruning, or one round of an iterated score), with <see cref="KeptAt"/>'s counts;
    /// weights already pruned stay pruned.</summary>
    public Mask PruneTo(Mask current, Scores scores, double percentRemaining)
    {
        var keep = KeptAt(percentRemaining);
        var mask = current.Clone();
        for (int i = 0; i < Groups.Count; i++)
            PruneLowest(mask, scores, Groups[i].Tensors, Groups[i].Tensors.Sum(mask.Remaining) - keep[i]);
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

    /// <summary>Prunes the <paramref name="count"/> surviving weights of lowest score among <paramref name="tensors"/>.
    /// The sort key packs the score's order-preserving bits above the weight's position in the group, so ties break
    /// by position.</summary>
    static void PruneLowest(Mask mask, Scores scores, IReadOnlyList<string> tensors, long count)
    {
        if (count <= 0) return;
        var keys = new List<ulong>();
        var offsets = new List<long>();
        long offset = 0;
        foreach (var name in tensors)
        {
            var alive = mask[name];
            var s = scores[name];
            if (s.Length != alive.Length) throw new InvalidDataException($"tensor '{name}' has {s.Length} scores, its mask {alive.Length}");
            for (int i = 0; i < alive.Length; i++)
                if (alive[i]) keys.Add(((ulong)Scores.SortKey(s[i]) << 32) | (ulong)(offset + i));
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
