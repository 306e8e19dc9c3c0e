using System.Text.Json;
using System.Text.Json.Nodes;
using Lottery.Runs;

namespace Lottery.Cli;

/// <summary>The one JSON object `--json` prints, and the shared shape of a stage in it.</summary>
public static class Output
{
    static readonly JsonSerializerOptions Options = new(RunManifest.Json) { WriteIndented = true };

    public static void Print(JsonObject obj) => Console.WriteLine(obj.ToJsonString(Options));

    public static JsonObject Stage(StageSummary s) => new()
    {
        ["stage"] = s.Stage,
        ["percent_remaining"] = s.PercentRemaining,
        ["weights_remaining"] = s.WeightsRemaining,
        ["weights_total"] = s.WeightsTotal,
        ["early_stop_iteration"] = s.Outcome.EarlyStopIteration,
        ["early_stop_validation_loss"] = s.Outcome.EarlyStopValidationLoss,
        ["early_stop_test_accuracy"] = s.Outcome.EarlyStopTestAccuracy,
        ["final_iteration"] = s.Outcome.FinalIteration,
        ["final_test_accuracy"] = s.Outcome.FinalTestAccuracy,
        ["final_validation_accuracy"] = s.Outcome.FinalValidationAccuracy,
        ["seconds"] = s.Seconds,
        ["ms_per_iteration"] = s.MillisecondsPerIteration,
    };
}
