using System.Text.Json;
using System.Text.Json.Serialization;
using Lottery.Hparams;

namespace Lottery.Runs;

/// <summary>The readable, machine-readable description of a run directory (manifest.json).</summary>
public sealed record RunManifest
{
    public required string Kind { get; init; }
    public required string Hash { get; init; }
    public required JsonElement Canonical { get; init; }
    public required ExperimentHparams Hparams { get; init; }
    public required long Seed { get; init; }
    public string? Rewind { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required Dictionary<string, string> Versions { get; init; }
    public Dictionary<string, string> DatasetChecksums { get; init; } = new();
    public double[] NormalizationMean { get; init; } = [];
    public double[] NormalizationStd { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public RunIdentity Identity => new(RunKindNames.Parse(Kind), Hparams, Seed, Rewind);

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    public static RunManifest Load(string path)
    {
        if (!File.Exists(path)) throw new RunFileException($"{path} is missing: this is not a run directory");
        try
        {
            return JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(path), Json)
                   ?? throw new RunFileException($"{path} is empty: delete the run directory and re-run");
        }
        catch (JsonException e)
        {
            throw new RunFileException($"{path} is corrupted ({e.Message.Split('.')[0]}): restore it or delete the run directory");
        }
    }
}
