using System.Text.Json;
using System.Text.Json.Serialization;
using Lottery.Hparams;

namespace Lottery.Pruning.Scoring;

/// <summary>
/// The hyperparameters of a pruning score: a typed record per score (<see cref="ScoreRegistry"/>), part of the run's
/// canonical form and hash. Only values that differ from their defaults enter the canonical form (as everywhere), and
/// the default score (magnitude) enters it not at all, so runs made before scores were selectable keep their hashes.
/// In JSON (the manifest) a score is an object whose "name" says which record the other fields belong to
/// (<see cref="ScoreHparamsConverter"/>, on the property that holds it).
/// </summary>
public abstract record ScoreHparams
{
    /// <summary>The score's registry name.</summary>
    [JsonIgnore]
    public abstract string Name { get; }

    /// <summary>The score's name and every hyperparameter that is not at its default.</summary>
    public Canonical ToCanonical() => Fields(new Canonical().Add("name", Name));

    protected virtual Canonical Fields(Canonical c) => c;

    /// <summary>Refuses values the score cannot use, naming the hyperparameter (never a command-line flag).</summary>
    public virtual void Validate() { }
}

/// <summary>Reads and writes a score's hyperparameters as {"name": …, fields…}, the record chosen by the registry.</summary>
public sealed class ScoreHparamsConverter : JsonConverter<ScoreHparams>
{
    public override ScoreHparams Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            throw new JsonException("a pruning score needs a \"name\"");
        var score = ScoreRegistry.Find(name.GetString()!) ?? throw new JsonException($"unknown pruning score '{name.GetString()}'");
        var fields = new Dictionary<string, JsonElement>();
        foreach (var p in root.EnumerateObject()) if (p.Name != "name") fields[p.Name] = p.Value;
        var json = JsonSerializer.Serialize(fields, options);
        return (ScoreHparams)(JsonSerializer.Deserialize(json, score.Defaults.GetType(), options)
            ?? throw new JsonException($"the hyperparameters of score '{score.Name}' are empty"));
    }

    public override void Write(Utf8JsonWriter writer, ScoreHparams value, JsonSerializerOptions options)
    {
        var element = JsonSerializer.SerializeToElement(value, value.GetType(), options);
        writer.WriteStartObject();
        writer.WriteString("name", value.Name);
        // A record's override of Name does not inherit [JsonIgnore]: skip it, or the object holds "name" twice.
        foreach (var p in element.EnumerateObject())
            if (!p.NameEquals("name") && !p.NameEquals("Name")) p.WriteTo(writer);
        writer.WriteEndObject();
    }
}
