using System.Text.Json;
using System.Text.Json.Serialization;
using Lottery.Hparams;

namespace Lottery.Runs;

/// <summary>A parameter's or buffer's name, dtype (TorchSharp's name: Float32, Int64) and shape.</summary>
public sealed record TensorInfo(string Name, string Dtype, long[] Shape, bool Parameter);

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
    /// <summary>Where the data was found (not part of the identity): commands on an existing run look there too.</summary>
    public string? DataRoot { get; init; }
    /// <summary>The dtype and shape of every parameter and buffer of the run's network, in the network's order (weight
    /// files hold flat float arrays): what an exported ticket's tensors are shaped by, even for a network built in
    /// code that this program cannot build. Null in runs made before it was recorded.</summary>
    public List<TensorInfo>? Tensors { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A diverged stage has NaN or infinite losses: written as the strings "NaN", "Infinity", still valid JSON.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // A hand-edited file with null where a value belongs is refused when read, not met later as a crash.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public RunIdentity Identity => new(RunKindNames.Parse(Kind), Hparams, Seed, Rewind);

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>The manifest of <paramref name="runDirectory"/>, checked against the directory's name: a manifest
    /// whose hyperparameters no longer hash to its directory was edited, and what it says cannot be trusted.</summary>
    public static RunManifest LoadVerified(string runDirectory)
    {
        var path = Path.Combine(runDirectory, "manifest.json");
        var manifest = Load(path);
        string expected = Path.GetFileName(Path.TrimEndingDirectorySeparator(runDirectory)), actual;
        try { actual = manifest.Identity.DirectoryName; }
        catch (Exception e) when (e is FormatException or ArgumentException or global::Lottery.Hparams.HparamsException or RunFileException or NullReferenceException)
        {
            throw new RunFileException($"{path} is corrupted ({e.Message.TrimEnd('.')}): restore it or move the run directory away");
        }
        if (actual != expected)
            throw new RunFileException($"{path} was edited or the directory renamed: its hyperparameters hash to {actual}, not {expected}; " +
                "restore the manifest (or the directory's name) or move the run directory away");
        return manifest;
    }

    public static RunManifest Load(string path)
    {
        if (!File.Exists(path)) throw new RunFileException($"{path} is missing: this is not a run directory");
        try
        {
            return JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(path), Json)
                   ?? throw new RunFileException($"{path} is empty: delete the run directory and re-run");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        {
            throw new RunFileException($"{path} is corrupted ({e.Message.Split('.')[0]}): restore it or delete the run directory");
        }
    }
}
