using Lottery.Data;
using Lottery.Hparams;

namespace Lottery.Lottery;

/// <summary>What a runner needs from the outside world: where runs live, how to get data, who watches.</summary>
/// <param name="RunsRoot">Parent of all run directories.</param>
/// <param name="LoadData">Loads and splits a dataset (called at most once per runner).</param>
/// <param name="Observer">Progress callbacks.</param>
/// <param name="CheckpointEvery">Iterations between checkpoints within a stage.</param>
/// <param name="Versions">Program and library versions recorded in manifests.</param>
/// <param name="Cancellation">Stops training at the next iteration (Ctrl-C); the last checkpoint is kept.</param>
/// <param name="CheckpointAndStop">Stops training at the next measurement boundary after saving a checkpoint there
/// (SIGTERM: a scheduler's preemption or time limit), so nothing is recomputed on resume.</param>
/// <param name="TensorBoard">Write TensorBoard event files beside each stage's metrics (not part of a run's identity; the
/// command line turns it on unless --no-tensorboard).</param>
/// <param name="Model">The network of a run whose model is built in code (the library API); null = the built-in
/// network its hyperparameters name.</param>
/// <param name="InputShape">Data supplied in code: its example shape and classes, so that a run is checked against the
/// network before anything is written (registry datasets are known by name).</param>
/// <param name="TrainCount">Data supplied in code: its training examples before the validation hold-out.</param>
/// <param name="Sparse">Whether pruned linear layers train and evaluate on sparse kernels (<see cref="Sparse.SparseMode"/>): not
/// part of a run's identity (it changes the last bits, like the thread count); each stage records the layers that did.</param>
public sealed record RunEnvironment(
    string RunsRoot,
    Func<DatasetHparams, SplitData> LoadData,
    ILotteryObserver Observer,
    int CheckpointEvery,
    IReadOnlyDictionary<string, string> Versions,
    CancellationToken Cancellation = default,
    bool TensorBoard = false,
    Models.CustomModel? Model = null,
    Models.InputShape? InputShape = null,
    int? TrainCount = null,
    CancellationToken CheckpointAndStop = default,
    Sparse.SparseMode Sparse = Sparse.SparseMode.Off);
