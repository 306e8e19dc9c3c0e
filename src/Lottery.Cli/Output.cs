using System.Text.Json;
using System.Text.Json.Nodes;
using Lottery.Runs;

namespace Lottery.Cli;

/// <summary>The one JSON object `--json` prints, and the shared shape of a stage in it.</summary>
public static class Output
{
    // Relaxed escaping: messages keep their quotes and backticks readable ('abc', not \u0027abc\u0027).
    static readonly JsonSerializerOptions Options = new(RunManifest.Json)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Print(JsonObject obj) => Console.WriteLine(Finite(obj)!.ToJsonString(Options));

    /// <summary>A copy with every NaN or infinite number replaced by null (a diverged run's losses), so the output
    /// is plain JSON that any parser reads.</summary>
    public static JsonNode? Finite(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Finite(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Finite).ToArray()),
        JsonValue v when v.TryGetValue<double>(out var d) && !double.IsFinite(d) => null,
        JsonValue v when v.TryGetValue<float>(out var f) && !float.IsFinite(f) => null,
        _ => node.DeepClone(),
    };

    public static JsonObject Stage(StageSummary s) => new()
    {
        ["stage"] = s.Stage,
        ["percent_remaining"] = s.PercentRemaining,
        ["weights_remaining"] = s.WeightsRemaining,
        ["weights_total"] = s.WeightsTotal,
        ["early_stop_iteration"] = s.Outcome.EarlyStopIteration,
        ["diverged_at"] = s.Outcome.DivergedAt,
        ["early_stop_validation_loss"] = s.Outcome.EarlyStopValidationLoss,
        ["early_stop_test_accuracy"] = s.Outcome.EarlyStopTestAccuracy,
        ["final_iteration"] = s.Outcome.FinalIteration,
        ["final_test_accuracy"] = s.Outcome.FinalTestAccuracy,
        ["final_validation_accuracy"] = s.Outcome.FinalValidationAccuracy,
        ["final_test_loss"] = s.Outcome.FinalTestLoss,
        ["iterations_run"] = s.IterationsRun,
        ["seconds"] = s.Seconds,
        ["ms_per_iteration"] = s.MillisecondsPerIteration,
    };
}
