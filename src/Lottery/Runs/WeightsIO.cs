using Lottery.Pruning;

namespace Lottery.Runs;

/// <summary>Weights and masks as <see cref="TensorFile"/>s.</summary>
public static class WeightsIO
{
    public static void SaveWeights(string path, IReadOnlyDictionary<string, float[]> weights)
    {
        var file = new TensorFile();
        foreach (var (name, values) in weights) file.Floats[name] = values;
        file.Save(path);
    }

    public static Dictionary<string, float[]> LoadWeights(string path) => TensorFile.Load(path).Floats;

    public static void SaveMask(string path, Mask mask)
    {
        var file = new TensorFile();
        foreach (var name in mask.Names) file.Bools[name] = mask[name];
        file.Save(path);
    }

    public static Mask LoadMask(string path) => new(TensorFile.Load(path).Bools);

    /// <summary>Weights with the pruned ones set to zero (a copy).</summary>
    public static Dictionary<string, float[]> Masked(IReadOnlyDictionary<string, float[]> weights, Mask mask) =>
        weights.ToDictionary(kv => kv.Key, kv =>
        {
            var values = (float[])kv.Value.Clone();
            if (mask.Contains(kv.Key))
            {
                var alive = mask[kv.Key];
                for (int i = 0; i < values.Length; i++) if (!alive[i]) values[i] = 0;
            }
            return values;
        });
}
