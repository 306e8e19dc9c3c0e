namespace Lottery.Pruning;

/// <summary>
/// A score for every prunable weight, in the tensors' standard order: pruning keeps the highest-scored surviving
/// weights of each group and removes the lowest (ties broken by position). A type of its own, so weights are never
/// ranked by accident: magnitude pruning passes their <c>Magnitude</c>.
/// </summary>
public sealed class Scores
{
    public IReadOnlyDictionary<string, float[]> Values { get; }

    public Scores(IReadOnlyDictionary<string, float[]> values)
    {
        foreach (var (name, v) in values)
            for (int i = 0; i < v.Length; i++)
                if (float.IsNaN(v[i]))
                    throw new Hparams.HparamsException($"the pruning score of {name} is NaN at position {i}: the network's weights or gradients are not finite, so they rank nothing");
        Values = values;
    }

    public float[] this[string name] => Values.TryGetValue(name, out var v) ? v
        : throw new InvalidDataException($"the scores have no tensor '{name}'");

    /// <summary>|w|: the paper's magnitude criterion.</summary>
    public static Scores Magnitude(IReadOnlyDictionary<string, float[]> weights, IEnumerable<string> tensors) =>
        new(tensors.ToDictionary(n => n, n => (weights.TryGetValue(n, out var w) ? w : throw new InvalidDataException($"weights have no tensor '{n}'"))
            .Select(MathF.Abs).ToArray()));

    /// <summary>|w| of every tensor given.</summary>
    public static Scores Magnitude(IReadOnlyDictionary<string, float[]> weights) => Magnitude(weights, weights.Keys);

    /// <summary>The same scores negated: pruning then keeps the lowest-scored weights (the inversion sanity check).</summary>
    public Scores Inverted() => new(Values.ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => -v).ToArray()));

    /// <summary>A key that orders like the float itself (negative below positive, −0 just below +0), for sorting.</summary>
    public static uint SortKey(float score)
    {
        uint bits = BitConverter.SingleToUInt32Bits(score);
        return (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
    }
}
