using Lottery.Models;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Lottery;

/// <summary>
/// Runs one stage idempotently: a finished stage (summary.json present) is skipped after checking its files,
/// an interrupted one resumes from its checkpoint, a new one starts from its starting weights and mask.
/// After training it checks on disk that no pruned weight survived and the density is the mask's.
/// </summary>
public sealed class StageRunner(RunHandle run)
{
    public StageSummary Run(StageRequest request, int index, int count)
    {
        var observer = run.Environment.Observer;
        observer.OnStage(request.Description, index, count);
        var dir = request.Directory;
        var maskPath = Path.Combine(dir, "mask.tsr");
        var finished = StageSummary.TryLoad(dir);
        if (finished is not null)
        {
            VerifyFinalWeights(dir, WeightsIO.LoadMask(maskPath));
            observer.OnStageSkipped(request.Description, finished);
            return finished;
        }

        Directory.CreateDirectory(dir);
        var mask = request.Mask;
        if (File.Exists(maskPath))
        {
            if (!WeightsIO.LoadMask(maskPath).SameAs(mask))
                throw new RunFileException($"{maskPath} differs from the mask this stage computes: delete {dir} and re-run");
        }
        else WeightsIO.SaveMask(maskPath, mask);

        var data = run.Data;
        using var model = ModelRegistry.Create(run.Hparams.Model, data.Shape);
        var report = mask.Report(model.PrunableTensors);
        AtomicFile.WriteAllText(Path.Combine(dir, "sparsity.json"),
            System.Text.Json.JsonSerializer.Serialize(report, RunManifest.Json) + "\n");
        var startPath = Path.Combine(dir, "start.tsr");
        if (!File.Exists(startPath)) WeightsIO.SaveWeights(startPath, WeightsIO.Masked(request.StartWeights(), mask));

        using var arena = new ParameterArena(model);
        arena.Load(WeightsIO.LoadWeights(startPath));
        arena.SetMask(mask);
        var trainer = new Trainer(arena, data, run.Plan, observer) { AfterIteration = run.AfterIteration };
        var result = trainer.Run(new StageSpec(request.Description, dir, request.Seeds.Data, request.Seeds.Dropout,
            request.StartIteration, request.CaptureIteration, run.Environment.CheckpointEvery));

        VerifyFinalWeights(dir, mask);
        var summary = new StageSummary(request.Description, report.PercentRemaining, report.Remaining, report.Weights,
            result.Outcome, result.IterationsRun, result.Seconds, result.MillisecondsPerIteration, DateTimeOffset.UtcNow);
        summary.Save(dir);
        observer.OnStageDone(request.Description, summary);
        return summary;
    }

    /// <summary>Fails loudly when a pruned weight is non-zero in final.tsr.</summary>
    public static void VerifyFinalWeights(string dir, Mask mask)
    {
        var path = Path.Combine(dir, Trainer.FinalFile);
        var weights = WeightsIO.LoadWeights(path);
        foreach (var name in mask.Names)
        {
            if (!weights.TryGetValue(name, out var w))
                throw new RunFileException($"{path} lacks tensor {name}: delete {dir} and re-run");
            var alive = mask[name];
            long revived = 0;
            for (int i = 0; i < w.Length; i++) if (!alive[i] && w[i] != 0) revived++;
            if (revived > 0)
                throw new RunFileException($"{path}: {revived} pruned weights of {name} are non-zero: the mask was not enforced; delete {dir} and re-run");
        }
    }
}
