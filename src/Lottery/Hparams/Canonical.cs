using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lottery.Hparams;

/// <summary>
/// The identity of a set of hyperparameters: a sorted JSON object holding only the values that differ from
/// their defaults (so that adding a new field with a default never changes the hash of existing runs), and
/// a SHA-256 prefix of it. Tests pin known hashes so that a refactor cannot silently orphan old runs.
/// </summary>
public sealed class Canonical
{
    readonly SortedDictionary<string, JsonNode?> _fields = new(StringComparer.Ordinal);

    public Canonical Add(string name, string? value, string? defaultValue = null)
    {
        if (value is not null && value != defaultValue) _fields[name] = JsonValue.Create(value);
        return this;
    }

    public Canonical Add(string name, double value, double defaultValue)
    {
        // Round-trip format: 0.0012 and 1.2e-3 are the same number and must hash the same.
        if (value != defaultValue) _fields[name] = JsonValue.Create(value.ToString("R", CultureInfo.InvariantCulture));
        return this;
    }

    public Canonical Add(string name, long value, long defaultValue)
    {
        if (value != defaultValue) _fields[name] = JsonValue.Create(value);
        return this;
    }

    public Canonical Add(string name, bool value, bool defaultValue)
    {
        if (value != defaultValue) _fields[name] = JsonValue.Create(value);
        return this;
    }

    public Canonical Add(string name, IEnumerable<string> values)
    {
        var list = values.ToList();
        if (list.Count > 0) _fields[name] = new JsonArray(list.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        return this;
    }

    public Canonical Add(string name, IReadOnlyDictionary<string, double> values)
    {
        if (values.Count == 0) return this;
        var obj = new JsonObject();
        foreach (var (k, v) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            obj[k] = v.ToString("R", CultureInfo.InvariantCulture);
        _fields[name] = obj;
        return this;
    }

    public Canonical Add(string name, Canonical nested)
    {
        _fields[name] = nested.ToJson();
        return this;
    }

    public JsonObject ToJson()
    {
        var obj = new JsonObject();
        foreach (var (k, v) in _fields) obj[k] = v?.DeepClone();
        return obj;
    }

    public string ToJsonString() => ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    /// <summary>First 16 hex digits of SHA-256 of the compact canonical JSON.</summary>
    public string Hash() =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ToJsonString())))[..16].ToLowerInvariant();
}
