using System.Diagnostics;
using System.Globalization;
using Lottery.Data;
using Lottery.Models;
using Lottery.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Training;

/// <summary>One training stage: where it lives on disk and how it is seeded.</summary>
/// <param name="Name">Shown in progress ("level 3", "reinit 2 of level 3").</param>
/// <param name="Directory">Holds metrics.csv, checkpoint.tsr, final.tsr (and capture.tsr).</param>
/// <param name="DataSeed">Seeds each epoch's shuffle: epoch e uses Derive(DataSeed, "epoch", e).</param>
/// <param name="DropoutSeed">Reseeds the model's dropout generator at every measurement boundary: Derive(DropoutSeed, iteration).</param>
/// <param name="StartIteration">0, or k when rewinding: the schedule and data order continue from k.</param>
/// <param name="CaptureIteration">Save the weights after this many iterations to capture.tsr (the rewind point θk).</param>
/// <param name="CheckpointEvery">Iterations between checkpoints (rounded up to a measurement boundary).</param>
/// <param name="EndIteration">Stop here instead of at the schedule's end (a stage that only brings the dense network to a
/// rewind point k): the schedule itself is unchanged, so its first k iterations are exactly the full stage's.</param>
public sealed record StageSpec(
    string Name,
    string Directory,
    long DataSeed,
    long DropoutSeed,
    int StartIteration = 0,
    int? CaptureIteration = null,
    int CheckpointEvery = 1000,
    int? EndIteration = null);

/// <summary>What a finished stage measured.</summary>
/// <param name="IterationsRun">Iterations of the whole stage, over every process that worked on it (resumes included).</param>
/// <param name="Seconds">Wall time of the whole stage, summed over the processes that worked on it (work lost to a
/// crash after the last checkpoint is not counted: it was done again).</param>
/// <param name="MeasurementSeconds">Time spent measuring validation and test (part of <paramref name="Seconds"/>).</param>
/// <param name="Threads">The intra-op thread counts of the processes that trained the stage, ascending: one where it ran
/// in one process or resumed under the same count; several where a resume changed it (the count changes the last bits,
/// so a reader must see it). A checkpoint written before counts were kept adds none for its process.</param>
public sealed record StageResult(IReadOnlyList<MetricsRow> Rows, TrainingOutcome Outcome, int IterationsRun, double Seconds, double MeasurementSeconds,
    IReadOnlyList<int> Threads)
{
    /// <summary>Training time per iteration, measurements excluded.</summary>
    public double MillisecondsPerIteration => IterationsRun == 0 ? 0 : 1000 * (Seconds - MeasurementSeconds) / IterationsRun;
}

/// <summary>Thrown by a test's interrupt hook to simulate a crash mid-stage.</summary>
public sealed class TrainingInterruptedException(int iteration) : Exception($"interrupted after iteration {iteration}")
{
    public int Iteration { get; } = iteration;
}

/// <summary>
/// The training loop: seeded per-epoch shuffles, batches by index from tensors in memory, one fused optimizer
/// pass per step, measurements every EvalEvery iterations written as they come, and checkpoints that make a
/// killed stage resume to exactly the metrics of an uninterrupted one. Why resumption is exact: the data order
/// is a function of (seed, epoch), the dropout generator is reseeded from (seed, iteration) at every
/// measurement boundary, and checkpoints are taken only at those boundaries with the optimizer state.
/// </summary>
public sealed class Trainer(ParameterArena arena, SplitData data, TrainingPlan plan, ITrainingObserver? observer = null)
{

    readonly ITrainingObserver _observer = observer ?? NullObserver.Instance;

    /// <summary>For tests: called after each iteration; throwing simulates a crash.</summary>
    public Action<int>? AfterIteration { get; set; }

    /// <summary>Checked after every iteration: a cancelled stage stops with <see cref="OperationCanceledException"/>,
    /// keeping its last checkpoint for the next run to resume from.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>A gentler stop (SIGTERM: a scheduler's preemption or time limit): training goes on to the next
    /// measurement boundary (at most EvalEvery iterations), saves a checkpoint there and stops with
    /// <see cref="OperationCanceledException"/>, so the next run resumes with no work lost.</summary>
    public CancellationToken CheckpointAndStop { get; init; }

    /// <summary>Also write each measurement as TensorBoard events under the stage's directory.</summary>
    public bool TensorBoard { get; init; }

    TensorBoardLog? _tensorBoard;

    public StageResult Run(StageSpec spec)
    {
        var model = arena.Model;
        int evalEvery = plan.Hparams.EvalEvery;
        int end = spec.EndIteration ?? plan.TotalIterations;
        if (end < 1 || end > plan.TotalIterations)
            throw new ArgumentOutOfRangeException(nameof(spec), $"end iteration {end} is outside 1..{plan.TotalIterations}");
        if (spec.StartIteration < 0 || spec.StartIteration > end)
            throw new ArgumentOutOfRangeException(nameof(spec), $"start iteration {spec.StartIteration} is outside 0..{end}");
        long checkpointEvery = Math.Max(evalEvery, ((long)spec.CheckpointEvery + evalEvery - 1) / evalEvery * evalEvery);
        Directory.CreateDirectory(spec.Directory);
        var optimizer = plan.CreateOptimizer(arena);
        var checkpointPath = Path.Combine(spec.Directory, StageFiles.Checkpoint);
        var metricsPath = Path.Combine(spec.Directory, StageFiles.Metrics);

        int iteration = spec.StartIteration;
        bool resumed = false;
        (double Seconds, double Measurement) before = (0, 0);
        var threads = new SortedSet<int> { get_num_threads() };
        if (File.Exists(checkpointPath))
        {
            IReadOnlyList<int> earlier;
            (iteration, before, earlier) = LoadCheckpoint(checkpointPath, optimizer, spec, end);
            threads.UnionWith(earlier);
            resumed = true;
            _observer.OnResume(spec.Name, iteration);
        }
        var stopwatch = Stopwatch.StartNew();
        int startedAt = iteration;
        _observer.OnStart(spec.Name, spec.StartIteration, end);
        double Elapsed() => before.Seconds + stopwatch.Elapsed.TotalSeconds;
        double Measuring() => before.Measurement + _measurementClock.Elapsed.TotalSeconds;

        using var metrics = MetricsLog.Open(metricsPath, resumed ? iteration : null);
        _tensorBoard = TensorBoard ? new TensorBoardLog(spec.Directory, plan.Schedule) : null;
        _bestValidation = double.PositiveInfinity;
        _divergedSeen = false;
        foreach (var kept in metrics.Kept) Track(kept);
        if (!resumed) Measure(metrics, iteration, null, end);

        var train = data.Train;
        int n = train.Count, batch = plan.BatchSize, perEpoch = plan.IterationsPerEpoch;
        Tensor? order = null;
        int orderEpoch = -1;
        var lossSum = zeros(1, dtype: ScalarType.Float64, device: train.Images.device);
        int lossCount = 0;
        using var augmentation = plan.Augment ? new Augmentation(data.Mean, data.Std) : null;
        model.train();
        try
        {
            while (iteration < end)
            {
                // At a measurement boundary the state is exactly a checkpoint's (measured, loss sum cleared).
                if (CheckpointAndStop.IsCancellationRequested && iteration % evalEvery == 0)
                {
                    if (iteration > startedAt)
                    {
                        SaveCheckpoint(checkpointPath, optimizer, spec, iteration, end, Elapsed(), Measuring(), threads);
                        _observer.OnCheckpoint(iteration);
                    }
                    CheckpointAndStop.ThrowIfCancellationRequested();
                }
                if (iteration % evalEvery == 0 || iteration == startedAt)
                    model.DropoutGenerator.manual_seed(Seeds.Derive(spec.DropoutSeed, "dropout", iteration));
                int epoch = iteration / perEpoch;
                if (epoch != orderEpoch)
                {
                    order?.Dispose();
                    using var generator = new Generator((ulong)Seeds.Derive(spec.DataSeed, "epoch", epoch));
                    // Drawn on the CPU (the same order on any device), used where the data is.
                    order = randperm(n, generator: generator);
                    if (train.Images.device_type != DeviceType.CPU)
                    {
                        var moved = order.to(train.Images.device);
                        order.Dispose();
                        order = moved;
                    }
                    orderEpoch = epoch;
                }
                int offset = iteration % perEpoch * batch;
                using (var scope = NewDisposeScope())
                {
                    var indices = order!.narrow(0, offset, Math.Min(batch, n - offset));
                    var x = train.Images.index_select(0, indices);
                    if (augmentation is not null) x = augmentation.Apply(x, spec.DataSeed, iteration);
                    var y = train.Labels.index_select(0, indices);
                    arena.ZeroGrad();
                    var loss = nn.functional.cross_entropy(model.forward(x), y);
                    loss.backward();
                    optimizer.Step(plan.Schedule.At(iteration));
                    lossSum.add_(loss.detach(), Scalars.One);
                }
                lossCount++;
                iteration++;
                _observer.OnIteration(iteration);

                if (spec.CaptureIteration == iteration) SaveWeights(Path.Combine(spec.Directory, StageFiles.Capture), iteration);
                if (iteration % evalEvery == 0 || iteration == end)
                {
                    var row = Measure(metrics, iteration, lossSum.item<double>() / lossCount, end);
                    lossSum.zero_();
                    lossCount = 0;
                    // Once the weights are NaN or infinite every later step is NaN too: the stage ends here,
                    // recorded as diverged, instead of training to the end on garbage.
                    if (row.IsDiverged && !arena.AllFinite())
                    {
                        _observer.OnDiverged(spec.Name, iteration);
                        break;
                    }
                    if (iteration % checkpointEvery == 0 && iteration < end)
                    {
                        SaveCheckpoint(checkpointPath, optimizer, spec, iteration, end, Elapsed(), Measuring(), threads);
                        _observer.OnCheckpoint(iteration);
                    }
                }
                AfterIteration?.Invoke(iteration);
                Cancellation.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            order?.Dispose();
            lossSum.Dispose();
        }
        SaveWeights(Path.Combine(spec.Directory, StageFiles.Final), iteration);
        File.Delete(checkpointPath);
        _observer.OnEnd(spec.Name);
        var rows = MetricsLog.Read(metricsPath);
        return new StageResult(rows, TrainingOutcome.From(rows), iteration - spec.StartIteration, Elapsed(), Measuring(), [.. threads]);
    }

    readonly Stopwatch _measurementClock = new();

    double _bestValidation;
    bool _divergedSeen;

    /// <summary>Follows the early-stopping rule of <see cref="TrainingOutcome"/>: the first strict minimum of the
    /// validation loss, among the measurements before any divergence.</summary>
    bool Track(MetricsRow row)
    {
        if (row.IsDiverged) _divergedSeen = true;
        if (_divergedSeen || !(row.ValidationLoss < _bestValidation)) return false;
        _bestValidation = row.ValidationLoss;
        return true;
    }

    /// <summary>Validation always; test on the --test-every schedule, and wherever the early-stopping figures or the
    /// final ones may be read: a new best validation loss, a divergence (training may stop there), the end.</summary>
    MetricsRow Measure(MetricsLog log, int iteration, double? trainLoss, int end)
    {
        _measurementClock.Start();
        var (valLoss, valAcc) = Evaluator.Evaluate(arena.Model, data.Validation);
        var row = new MetricsRow(iteration, trainLoss, valLoss, valAcc, null, null);
        bool newBest = Track(row);
        int testEvery = plan.Hparams.TestEvery ?? plan.Hparams.EvalEvery;
        if (newBest || row.IsDiverged || iteration == end || iteration % testEvery == 0)
        {
            var (testLoss, testAcc) = Evaluator.Evaluate(arena.Model, data.Test);
            row = row with { TestLoss = testLoss, TestAccuracy = testAcc };
        }
        _measurementClock.Stop();
        log.Append(row);
        _tensorBoard?.Write(row);
        _observer.OnMeasurement(row);
        return row;
    }

    void SaveWeights(string path, int iteration)
    {
        var file = new TensorFile();
        foreach (var (name, values) in arena.Snapshot()) file.Floats[name] = values;
        file.Meta["iteration"] = iteration.ToString(CultureInfo.InvariantCulture);
        file.Save(path);
    }

    void SaveCheckpoint(string path, IOptimizer optimizer, StageSpec spec, int iteration, int end, double seconds, double measurementSeconds,
        IEnumerable<int> threads)
    {
        var file = new TensorFile();
        // Weights and optimizer state in standard order (see ParameterArena): checkpoints do not depend on the layout.
        file.Floats["arena"] = arena.ToStandard(arena.ReadData());
        foreach (var (name, values) in arena.Buffers()) file.Floats["buffer:" + name] = values;
        foreach (var (name, values) in optimizer.State) file.Floats[name] = arena.ToStandard(values);
        file.Meta["iteration"] = iteration.ToString(CultureInfo.InvariantCulture);
        file.Meta["optimizer_steps"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture);
        file.Meta["start_iteration"] = spec.StartIteration.ToString(CultureInfo.InvariantCulture);
        file.Meta["end_iteration"] = end.ToString(CultureInfo.InvariantCulture);
        file.Meta["seconds"] = seconds.ToString("R", CultureInfo.InvariantCulture);
        file.Meta["measurement_seconds"] = measurementSeconds.ToString("R", CultureInfo.InvariantCulture);
        file.Meta["threads"] = string.Join(",", threads.Select(t => t.ToString(CultureInfo.InvariantCulture)));
        file.Save(path);
    }

    (int Iteration, (double Seconds, double Measurement) Time, IReadOnlyList<int> Threads) LoadCheckpoint(string path, IOptimizer optimizer, StageSpec spec, int end)
    {
        var file = TensorFile.Load(path);
        int Int(string key) => int.TryParse(file.MetaValue(key, path), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw new RunFileException($"{path} has a malformed '{key}': delete it and re-run the command (the stage restarts)");
        // Checkpoints written before stage timing was recorded resume with the time of this process only.
        double Seconds(string key) => file.Meta.TryGetValue(key, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0;
        if (Int("start_iteration") != spec.StartIteration || Int("end_iteration") != end)
            throw new RunFileException($"{path} belongs to a different training length: delete it and re-run the command (the stage restarts)");
        if (!file.Floats.TryGetValue("arena", out var weights) || weights.Length != arena.Length)
            throw new RunFileException($"{path} does not match this model: delete it and re-run the command (the stage restarts)");
        var arenaOrder = new float[weights.Length];
        arena.FromStandard(weights, arenaOrder);
        arena.WriteData(arenaOrder);
        var buffers = file.Floats.Where(kv => kv.Key.StartsWith("buffer:", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["buffer:".Length..], kv => kv.Value);
        try { ModelState.LoadBuffers(arena.Model, buffers); }
        catch (InvalidDataException e) { throw new RunFileException($"{path} does not match this model ({e.Message}): delete it and re-run the command (the stage restarts)"); }
        foreach (var (name, state) in optimizer.State)
        {
            if (!file.Floats.TryGetValue(name, out var saved) || saved.Length != state.Length)
                throw new RunFileException($"{path} lacks optimizer state '{name}': delete it and re-run the command (the stage restarts)");
            var stateOrder = new float[saved.Length];
            arena.FromStandard(saved, stateOrder);
            optimizer.LoadState(name, stateOrder);
        }
        optimizer.StepCount = Int("optimizer_steps");
        int iteration = Int("iteration");
        if (iteration <= spec.StartIteration || iteration >= end)
            throw new RunFileException($"{path} is at iteration {iteration}, outside this stage ({spec.StartIteration}..{end}): delete it and re-run the command (the stage restarts)");
        // The thread counts of the processes before this one; a checkpoint written before they were kept has none.
        var threads = new List<int>();
        if (file.Meta.TryGetValue("threads", out var list) && list.Length > 0)
            foreach (var t in list.Split(','))
                threads.Add(int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0 ? count
                    : throw new RunFileException($"{path} has a malformed 'threads': delete it and re-run the command (the stage restarts)"));
        return (iteration, (Seconds("seconds"), Seconds("measurement_seconds")), threads);
    }
}
