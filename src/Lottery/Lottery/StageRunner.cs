using Lottery.Models;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Sparse;
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
        var maskPath = Path.Combine(dir, StageFiles.Mask);
        var finished = StageSummary.TryLoad(dir);
        if (finished is not null)
        {
            // Done means every file the stage produces is there: a file deleted on the program's advice (it was
            // damaged) makes the stage run again, to the same result, instead of failing on the missing file.
            var lacking = ProducedFiles(request, finished).FirstOrDefault(f => !File.Exists(Path.Combine(dir, f)));
            if (lacking is null)
            {
                var saved = WeightsIO.LoadMask(maskPath);
                VerifyFinalWeights(dir, saved);
                VerifyMetrics(dir, finished);
                VerifySparsity(dir, saved);
                observer.OnStageSkipped(request.Description, finished);
                return finished;
            }
            observer.OnMessage($"{request.Description}: {lacking} is missing, so the stage is computed again");
            File.Delete(Path.Combine(dir, StageSummary.FileName));
        }

        // Everything a new stage reads is read before its first file is written: a damaged input stops the command
        // without leaving a half-prepared stage behind.
        var mask = request.Mask;
        if (File.Exists(maskPath) && !WeightsIO.LoadMask(maskPath).SameAs(mask))
            throw new RunFileException($"{maskPath} differs from the mask this stage computes: delete {dir} and re-run");
        var startPath = Path.Combine(dir, StageFiles.Start);
        var startWeights = File.Exists(startPath) ? null : WeightsIO.Masked(request.StartWeights(), mask);
        var data = run.Data;

        Directory.CreateDirectory(dir);
        AtomicFile.RemoveStaleTemporaries(dir);
        if (!File.Exists(maskPath)) WeightsIO.SaveMask(maskPath, mask);
        if (request.Pruning is not null && !File.Exists(Path.Combine(dir, StageFiles.Pruning))) request.Pruning.Save(dir);
        using var model = run.CreateModel();
        var report = mask.Report(model.PrunableTensors);
        WriteSparsity(dir, report);
        if (startWeights is not null) WeightsIO.SaveWeights(startPath, startWeights);

        // The arena lives where the data does (the run's device).
        using var arena = new ParameterArena(model, device: data.Train.Images.device);
        arena.Load(WeightsIO.LoadWeights(startPath));
        var sparseMode = run.Environment.Sparse;
        arena.SetMask(mask, skipPruned: sparseMode != SparseMode.Off);
        using var sparse = SparseNetwork.Attach(model, arena, mask, sparseMode);
        var trainer = new Trainer(arena, data, run.Plan, observer) { AfterIteration = run.AfterIteration, Cancellation = run.Environment.Cancellation, CheckpointAndStop = run.Environment.CheckpointAndStop, TensorBoard = run.Environment.TensorBoard };
        var result = trainer.Run(new StageSpec(request.Description, dir, request.Seeds.Data, request.Seeds.Dropout,
            request.StartIteration, request.CaptureIteration, run.Environment.CheckpointEvery, request.EndIteration));

        VerifyFinalWeights(dir, mask);
        var empty = mask.EmptyTensors();
        var summary = new StageSummary(request.Description, report.PercentRemaining, report.Remaining, report.Weights,
            result.Outcome, result.IterationsRun, result.Seconds, result.MillisecondsPerIteration, DateTimeOffset.UtcNow,
            empty.Count > 0 ? empty : null, sparse.Layers.Count > 0 ? sparse.Names : null, result.Threads);
        summary.Save(dir);
        observer.OnStageDone(request.Description, summary);
        return summary;
    }

    /// <summary>The mask a stage in <paramref name="directory"/> saved when it started, or, for a stage not begun, the one
    /// <paramref name="compute"/> makes: a mask is computed once (scores with random streams, random masks) and then read.</summary>
    public static Mask SavedOr(string directory, Func<Mask> compute)
    {
        var path = Path.Combine(directory, StageFiles.Mask);
        return File.Exists(path) ? WeightsIO.LoadMask(path) : compute();
    }

    /// <summary>The files a finished stage has: θk too when it captures one, unless training diverged before reaching k.</summary>
    static IEnumerable<string> ProducedFiles(StageRequest request, StageSummary finished) =>
        new[] { StageFiles.Mask, StageFiles.Metrics, StageFiles.Final }.Concat(
            request.CaptureIteration is int k && !(finished.Outcome.DivergedAt < k) ? [StageFiles.Capture] : []);

    static void WriteSparsity(string dir, SparsityReport report) =>
        AtomicFile.WriteAllText(Path.Combine(dir, StageFiles.Sparsity), System.Text.Json.JsonSerializer.Serialize(report, RunManifest.Json) + "\n");

    /// <summary>metrics.csv of a finished stage must parse and reach the stage's last iteration.</summary>
    static void VerifyMetrics(string dir, StageSummary summary)
    {
        var path = Path.Combine(dir, StageFiles.Metrics);
        var rows = MetricsLog.Read(path);
        int last = rows.Count == 0 ? -1 : rows[^1].Iteration;
        if (last != summary.Outcome.FinalIteration)
            throw new RunFileException($"{path} is cut (its last row is iteration {last}, the stage ended at {summary.Outcome.FinalIteration}): " +
                "delete it and re-run the command to recompute the stage");
    }

    /// <summary>sparsity.json must describe the saved mask; a missing one is written again from the mask.</summary>
    void VerifySparsity(string dir, Mask mask)
    {
        var path = Path.Combine(dir, StageFiles.Sparsity);
        if (!File.Exists(path))
        {
            WriteSparsity(dir, mask.Report(run.PrunableTensors));
            return;
        }
        SparsityReport? report;
        try { report = System.Text.Json.JsonSerializer.Deserialize<SparsityReport>(File.ReadAllText(path), RunManifest.Json); }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or ArgumentException) { report = null; }
        if (report is null || report.Remaining != mask.TotalRemaining || report.Weights != mask.TotalSize)
            throw new RunFileException($"{path} is corrupted or does not describe mask.tsr: delete it and re-run the command (it is written again from the mask)");
    }

    /// <summary>Fails loudly when a pruned weight is non-zero in final.tsr.</summary>
    public static void VerifyFinalWeights(string dir, Mask mask)
    {
        var path = Path.Combine(dir, StageFiles.Final);
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
