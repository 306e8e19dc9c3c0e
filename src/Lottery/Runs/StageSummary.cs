using System.Text.Json;
using Lottery.Training;

namespace Lottery.Runs;

/// <summary>summary.json of a finished stage: written last, so its presence means the stage is done.</summary>
/// <param name="EmptyLayers">Prunable tensors the stage's mask leaves without a weight (layer collapse); null when none.</param>
/// <param name="SparseLayers">Layers that ran on sparse kernels (by weight name), when any did: their products sum in
/// another order than the dense path's, so the stage's last bits depend on it (a resumed stage keeps its own choice only
/// if the same --sparse is given again).</param>
/// <param name="Threads">The intra-op thread counts the stage trained under (<see cref="StageResult.Threads"/>): the
/// run's manifest records the count of the process that created the run, and a stage resumed or run later under another
/// (another --threads, a requeued Slurm task on another node) differs from it in the last bits. Null in stages finished
/// before it was recorded.</param>
public sealed record StageSummary(
    string Stage,
    double PercentRemaining,
    long WeightsRemaining,
    long WeightsTotal,
    TrainingOutcome Outcome,
    int IterationsRun,
    double Seconds,
    double MillisecondsPerIteration,
    DateTimeOffset Finished,
    IReadOnlyList<string>? EmptyLayers = null,
    IReadOnlyList<string>? SparseLayers = null,
    IReadOnlyList<int>? Threads = null)
{
    public const string FileName = StageFiles.Summary;

    public void Save(string directory) =>
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, RunManifest.Json) + "\n");

    public static StageSummary? TryLoad(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<StageSummary>(File.ReadAllText(path), RunManifest.Json)
                   ?? throw new RunFileException($"{path} is empty: delete it and re-run the command");
        }
        catch (JsonException)
        {
            throw new RunFileException($"{path} is corrupted: delete it and re-run the command to recompute the stage");
        }
    }
}
