using System.Globalization;
using System.Text.Json.Nodes;
using Lottery.Hparams;

namespace Lottery.Reports;

/// <summary>
/// What tells apart experiments that are otherwise named alike (the same network, data and procedure): dropout first (the
/// paper's Figure 6 compares dropout with none, and its two networks also differ in rate and length), then optimizer and
/// rate, then warmup; where that still leaves two alike, up to three other hyperparameters that differ between them
/// ("iterations 6000it", "score snip"). Reports name experiments with it, `lottery runs` lists runs with it.
/// </summary>
public static class Distinction
{
    /// <summary>For each of <paramref name="group"/>, in order, what tells it apart from the others ("" for each where
    /// nothing does, or the group has one).</summary>
    public static IReadOnlyList<string> Of(IReadOnlyList<ExperimentHparams> group)
    {
        if (group.Count < 2) return group.Select(_ => "").ToList();
        var t = group.Select(h => h.Training).ToList();
        bool dropouts = group.Select(h => h.Model.Dropout).Distinct().Count() > 1;
        bool rates = t.Select(x => $"{x.Optimizer} {x.Lr}").Distinct().Count() > 1;
        bool warmups = t.Select(x => x.Warmup ?? "").Distinct().Count() > 1;
        var texts = group.Select(h =>
        {
            var parts = new List<string>();
            if (dropouts) parts.Add(h.Model.Dropout > 0 ? $"dropout {h.Model.Dropout.ToString(CultureInfo.InvariantCulture)}" : "no dropout");
            if (rates) parts.Add($"{h.Training.Optimizer} lr {h.Training.Lr.ToString(CultureInfo.InvariantCulture)}");
            if (warmups) parts.Add(h.Training.Warmup is null ? "no warmup" : $"warmup {h.Training.Warmup}");
            return parts;
        }).ToList();
        // Those still alike: the other fields of their identity that differ among them.
        foreach (var alike in Enumerable.Range(0, group.Count).GroupBy(i => string.Join(", ", texts[i])).Where(g => g.Count() > 1))
        {
            var members = alike.ToList();
            var fields = members.ToDictionary(i => i, i => Flatten(Identity(group[i]), ""));
            var differing = fields.Values.SelectMany(f => f.Keys).Distinct().Order(StringComparer.Ordinal)
                .Where(k => fields.Values.Select(f => f.GetValueOrDefault(k, "default")).Distinct().Count() > 1).Take(3).ToList();
            foreach (var i in members)
                texts[i].AddRange(differing.Select(k => $"{Short(k)} {fields[i].GetValueOrDefault(k, "default")}"));
        }
        return texts.Select(p => string.Join(", ", p)).ToList();
    }

    static JsonObject Identity(ExperimentHparams h) => new Canonical().Add("dataset", h.Dataset.ToCanonical()).Add("model", h.Model.ToCanonical())
        .Add("training", h.Training.ToCanonical()).Add("pruning", h.Pruning.ToCanonical()).ToJson();

    /// <summary>A field by its last name ("training.iterations" → "iterations"), its section's where that is "name"
    /// ("pruning.score.name" → "score").</summary>
    static string Short(string key)
    {
        var parts = key.Split('.');
        return parts.Length > 1 && parts[^1] == "name" ? parts[^2] : parts[^1];
    }

    /// <summary>A canonical hyperparameter object as "section.name" → its value in text.</summary>
    static Dictionary<string, string> Flatten(JsonObject o, string prefix)
    {
        var flat = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in o)
            if (v is JsonObject nested)
                foreach (var (nk, nv) in Flatten(nested, prefix + k + ".")) flat[nk] = nv;
            else flat[prefix + k] = v is JsonValue value && value.TryGetValue<string>(out var text) ? text : v?.ToJsonString() ?? "";
        return flat;
    }
}
