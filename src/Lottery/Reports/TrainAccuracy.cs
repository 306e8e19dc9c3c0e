using System.Globalization;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Models;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Reports;

/// <summary>
/// Accuracy of a stage's final weights on its training split (the examples it trained on, without augmentation,
/// in evaluation mode), measured once from final.tsr and kept beside it as train_accuracy.json, so reports of runs
/// made by any version have it and re-reports cost nothing. Each dataset is loaded once, only when a stage lacks the
/// file, and shared by the experiments that use it. A run of a network built in code (or on data supplied in code) cannot be measured here,
/// where neither exists: its stages are left unmeasured, and the table says "–".
/// </summary>
public sealed class TrainAccuracy(Func<RunManifest, SplitData> loadData) : IDisposable
{
    public const string FileName = "train_accuracy.json";
    // One copy of each dataset, whichever experiments use it: keyed by experiment, a report of six CIFAR-10 experiments
    // held six copies of CIFAR-10 (5.4 GB).
    readonly Dictionary<(string? DataRoot, DatasetHparams Dataset), SplitData> _data = new();

    /// <summary>How many datasets were loaded (each once).</summary>
    public int Loads => _data.Count;

    public sealed record Measured(double Accuracy, double Loss, int Examples, int Iteration);

    /// <summary>Fills <see cref="StageRecord.TrainAccuracy"/> of every stage (measuring those that lack it);
    /// <paramref name="onMeasure"/> is told of each measurement, which costs a pass over the training split.</summary>
    public void Fill(ExperimentData experiment, Action<string>? onMeasure = null)
    {
        var h = experiment.Manifest.Hparams;
        bool measurable = !h.Model.IsCustom && DatasetRegistry.Find(h.Dataset.Dataset) is not null;
        foreach (var stage in experiment.Stages)
        {
            var cached = Read(stage);
            if (cached is null)
            {
                if (!measurable) continue;
                if (stage.DivergedAt is not null) continue; // non-finite weights rank nothing and classify nothing
                onMeasure?.Invoke($"{experiment.Run}/{stage.RelativePath(experiment.Directory)}");
                cached = Measure(experiment, stage);
                AtomicFile.WriteAllText(Path.Combine(stage.Directory, FileName),
                    System.Text.Json.JsonSerializer.Serialize(cached, RunManifest.Json) + "\n");
            }
            stage.TrainAccuracy = cached.Accuracy;
        }
    }

    static Measured? Read(StageRecord stage)
    {
        var path = Path.Combine(stage.Directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            var m = System.Text.Json.JsonSerializer.Deserialize<Measured>(File.ReadAllText(path), RunManifest.Json);
            // A file from before the stage was recomputed describes other weights: measure again.
            return m is not null && m.Iteration == stage.Summary.Outcome.FinalIteration ? m : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or ArgumentException)
        {
            throw new RunFileException($"{path} is corrupted: delete it (the report measures it again)");
        }
    }

    Measured Measure(ExperimentData experiment, StageRecord stage)
    {
        var key = (experiment.Manifest.DataRoot, experiment.Manifest.Hparams.Dataset);
        if (!_data.TryGetValue(key, out var data))
            _data[key] = data = loadData(experiment.Manifest);
        using var model = ModelRegistry.Create(experiment.Manifest.Hparams.Model, data.Shape);
        using var arena = new ParameterArena(model);
        arena.Load(WeightsIO.LoadWeights(Path.Combine(stage.Directory, StageFiles.Final)));
        var (loss, accuracy) = Evaluator.Evaluate(model, data.Train);
        return new Measured(accuracy, loss, data.Train.Count, stage.Summary.Outcome.FinalIteration);
    }

    public void Dispose()
    {
        foreach (var d in _data.Values) d.Dispose();
        _data.Clear();
    }
}
