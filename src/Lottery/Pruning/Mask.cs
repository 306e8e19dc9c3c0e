using Lottery.Models;

namespace Lottery.Pruning;

/// <summary>Which weights of each prunable tensor survive (true) or are pruned (false).</summary>
public sealed class Mask
{
    readonly Dictionary<string, bool[]> _tensors;
    readonly List<string> _order;

    public Mask(IEnumerable<KeyValuePair<string, bool[]>> tensors)
    {
        _tensors = new Dictionary<string, bool[]>();
        _order = [];
        foreach (var (name, values) in tensors) { _tensors[name] = values; _order.Add(name); }
    }

    /// <summary>Every weight alive.</summary>
    public static Mask Dense(IEnumerable<PrunableTensor> tensors) =>
        new(tensors.Select(t => KeyValuePair.Create(t.Name, Enumerable.Repeat(true, checked((int)t.Count)).ToArray())));

    public IReadOnlyList<string> Names => _order;
    public bool[] this[string name] => _tensors.TryGetValue(name, out var v) ? v
        : throw new KeyNotFoundException($"the mask has no tensor '{name}'");
    public bool Contains(string name) => _tensors.ContainsKey(name);

    public long Remaining(string name) => this[name].LongCount(b => b);
    public long Size(string name) => this[name].LongLength;
    public long TotalRemaining => _order.Sum(Remaining);
    public long TotalSize => _order.Sum(Size);

    /// <summary>Tensors with no weight left (a layer pruned away entirely).</summary>
    public IReadOnlyList<string> EmptyTensors() => _order.Where(n => Size(n) > 0 && Remaining(n) == 0).ToList();

    public Mask Clone() => new(_order.Select(n => KeyValuePair.Create(n, (bool[])_tensors[n].Clone())));

    public SparsityReport Report(IReadOnlyList<PrunableTensor> tensors) => SparsityReport.Of(this, tensors);

    /// <summary>The same counts per tensor, the survivors placed at random within each tensor (seeded).</summary>
    public Mask ShuffledWithinTensors(long seed)
    {
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        var shuffled = Clone();
        foreach (var name in _order) random.Shuffle(shuffled._tensors[name]);
        return shuffled;
    }

    public bool SameAs(Mask other) =>
        _order.SequenceEqual(other._order) && _order.All(n => _tensors[n].AsSpan().SequenceEqual(other._tensors[n]));
}
