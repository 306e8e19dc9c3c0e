using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lottery.Cluster;

/// <summary>One submission of a run's job to Slurm, as recorded in the run's slurm/jobs.jsonl.</summary>
/// <param name="Tasks">Replicates of an array job; null for a single job (the report).</param>
/// <param name="Log">The log path pattern (%A job, %a task, %j single job).</param>
public sealed record JobRecord(
    [property: JsonPropertyName("job_id")] string JobId,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("tasks")] IReadOnlyList<int>? Tasks,
    [property: JsonPropertyName("script")] string Script,
    [property: JsonPropertyName("log")] string Log,
    [property: JsonPropertyName("dependency")] string? Dependency,
    [property: JsonPropertyName("submitted")] DateTimeOffset Submitted,
    [property: JsonPropertyName("host")] string Host)
{
    /// <summary>The scheduler's id of each task: "12_1", "12_2", … or "12".</summary>
    public IEnumerable<(string Id, int? Task)> TaskIds() =>
        Tasks is null ? [(JobId, null)] : Tasks.Select(t => ($"{JobId}_{t}", (int?)t));
}

/// <summary>
/// The jobs a run has had: slurm/jobs.jsonl in the run directory, one JSON object per line, appended at each
/// submission (a line under 4 KiB is one write, so appends from two submitters do not interleave on a local disk).
/// A line that does not parse (a cut-short write) is skipped rather than failing `show`.
/// </summary>
public static class JobLedger
{
    static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static string PathOf(string runDirectory) => System.IO.Path.Combine(JobScript.SlurmFolder(runDirectory), "jobs.jsonl");

    public static void Append(string runDirectory, JobRecord record)
    {
        var path = PathOf(runDirectory);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.AppendAllText(path, JsonSerializer.Serialize(record, Json) + "\n");
    }

    public static IReadOnlyList<JobRecord> Read(string runDirectory)
    {
        var path = PathOf(runDirectory);
        if (!File.Exists(path)) return [];
        var records = new List<JobRecord>();
        foreach (var line in File.ReadAllLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                if (JsonSerializer.Deserialize<JobRecord>(line, Json) is { JobId.Length: > 0, Kind.Length: > 0 } r) records.Add(r);
            }
            catch (JsonException) { }
        }
        return records;
    }
}
