using System.Reflection;
using System.Runtime.InteropServices;
using Lottery.Branches;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Models;
using Lottery.Runs;
using Lottery.Tickets;
using Lottery.Training;
using TorchSharp;

namespace Lottery.Api;

/// <summary>
/// The library's entry point: a lottery-ticket experiment over a built-in network and dataset (by name, as the command
/// line runs them) or over the user's own TorchSharp network and tensors. Every method is idempotent: results go to
/// content-addressed run directories under <see cref="ExperimentSettings.RunsRoot"/>, finished stages are read back
/// rather than recomputed, an interrupted stage resumes from its checkpoint, and the same call on the same inputs gives
/// bit-identical results. The command line's train, find, oneshot and control commands are this class.
/// </summary>
/// <example>
/// <code>
/// using var data = UserDataset.FromTensors("my-data", trainX, trainY, testX, testY);
/// var model = new CustomModel("my_net", () => nn.Sequential(("flat", nn.Flatten()), ("fc1", nn.Linear(784, 100)),
///     ("relu", nn.ReLU()), ("fc2", nn.Linear(100, 10))));
/// var hparams = new ExperimentHparams(data.Hparams(batchSize: 60), new ModelHparams(model.Name),
///     new TrainingHparams("adam", 1.2e-3, "5ep"), new PruningHparams(FcRate: 0.2, OutputRate: 0.1));
/// using var experiment = Experiment.Create(hparams, new ExperimentSettings { RunsRoot = "runs" }, model, data);
/// var levels = experiment.Find(levels: 5);          // train, prune 20% of fc1 and 10% of fc2, reset to θ0, repeat
/// experiment.Reinit();                               // the random-reinitialization control at every level
/// experiment.Export(replicate: 1, level: 5, "ticket");  // safetensors + TorchSharp state dict + JSON
/// </code>
/// </example>
public sealed class Experiment : IDisposable
{
    readonly RunEnvironment _environment;
    readonly ExperimentHparams? _hparams;
    readonly long _seed;
    readonly string? _rewind;
    readonly Dictionary<RunKind, RunHandle> _runs = [];

    Experiment(RunEnvironment environment, ExperimentHparams? hparams, long seed, string? rewind)
    {
        _environment = environment;
        _hparams = hparams;
        _seed = seed;
        _rewind = rewind;
    }

    /// <summary>The experiment's hyperparameters as its runs record them (the network's architecture hash filled in
    /// for a network built in code).</summary>
    public ExperimentHparams Hparams => _hparams ?? _runs.Values.First().Hparams;

    /// <summary>
    /// An experiment on <paramref name="hparams"/>. With <paramref name="model"/>, the network is the caller's (its name
    /// must be <c>hparams.Model.Model</c>); without, the built-in network that name gives. With <paramref name="data"/>,
    /// the data is the caller's tensors (build <c>hparams.Dataset</c> with <see cref="UserDataset.Hparams"/>); without,
    /// the registry's dataset of that name. Everything is checked here, before anything is written: a mismatch, an
    /// unknown name, a network the procedure cannot handle or a schedule that does not fit the data throws
    /// (<see cref="ArgumentException"/>, <see cref="HparamsException"/> or <see cref="ModelException"/>) with one line
    /// naming the problem and the fix.
    /// </summary>
    public static Experiment Create(ExperimentHparams hparams, ExperimentSettings? settings = null, CustomModel? model = null, UserDataset? data = null)
    {
        ArgumentNullException.ThrowIfNull(hparams);
        settings ??= new ExperimentSettings();
        if (data is not null && (hparams.Dataset.Dataset != data.Name || hparams.Dataset.Content != data.Content))
            throw new ArgumentException($"hparams.Dataset names '{hparams.Dataset.Dataset}' but the data given is '{data.Name}' (content {data.Content}): " +
                "build the dataset hyperparameters with data.Hparams(batchSize: …)", nameof(data));
        if (data is null && hparams.Dataset.Content is not null)
            throw new ArgumentException($"hparams.Dataset describes tensors supplied in code ('{hparams.Dataset.Dataset}'): pass them as data", nameof(data));
        if (model is not null)
        {
            if (hparams.Model.Model != model.Name)
                throw new ArgumentException($"hparams.Model names '{hparams.Model.Model}' but the network given is '{model.Name}': use new ModelHparams(model.Name)", nameof(model));
            var shape = data?.Shape ?? Shape(DatasetRegistry.Get(hparams.Dataset.Dataset));
            hparams = hparams with { Model = hparams.Model with { Architecture = model.Architecture(shape) } };
        }
        else if (hparams.Model.IsCustom)
            throw new ArgumentException($"hparams.Model describes a network built in code ('{hparams.Model.Model}'): pass it as model", nameof(model));
        return new Experiment(Environment(settings, model, data), hparams, settings.Seed, NormalizeRewind(settings.Rewind));
    }

    /// <summary>The same over an environment the caller assembled (the command line: its progress display and data search).</summary>
    public static Experiment Create(RunEnvironment environment, ExperimentHparams hparams, long seed, string? rewind) =>
        new(environment, hparams, seed, NormalizeRewind(rewind));

    /// <summary>An existing run (directory, name or unique hash prefix under the runs root), to attach controls or export
    /// tickets. A run of a network or data built in code needs them again (<paramref name="model"/>, <paramref name="data"/>).</summary>
    public static Experiment Open(string run, ExperimentSettings? settings = null, CustomModel? model = null, UserDataset? data = null) =>
        Open(Environment(settings ?? new ExperimentSettings(), model, data), run);

    /// <inheritdoc cref="Open(string, ExperimentSettings?, CustomModel?, UserDataset?)"/>
    public static Experiment Open(RunEnvironment environment, string run)
    {
        var handle = RunHandle.OpenExisting(environment, run);
        var experiment = new Experiment(environment, null, handle.Identity.Seed, handle.Identity.Rewind);
        experiment._runs[handle.Identity.Kind] = handle;
        return experiment;
    }

    static string? NormalizeRewind(string? rewind)
    {
        if (rewind is null) return null;
        string step;
        try { step = Step.Parse(rewind).ToString(); }
        catch (FormatException e) { throw new HparamsException($"rewind point: {e.Message}", "rewind"); }
        return step == "0it" ? null : step;
    }

    static InputShape Shape(DatasetSpec spec) => new(spec.Channels, spec.Height, spec.Width, spec.Classes);

    static RunEnvironment Environment(ExperimentSettings settings, CustomModel? model, UserDataset? data)
    {
        var observer = settings.Observer ?? NullLotteryObserver.Instance;
        var device = settings.Device ?? torch.CPU;
        if (device.type == DeviceType.CUDA && !torch.cuda.is_available())
            throw new HparamsException("device cuda: CUDA is not available here (TorchSharp-cpu, or no GPU): reference TorchSharp-cuda-linux instead of TorchSharp-cpu and run on a GPU machine");
        Func<DatasetHparams, SplitData> load = data is null ? RegistryLoader(settings.DataRoot, null, device, observer) : h => data.Split(h, device);
        return new RunEnvironment(Path.GetFullPath(settings.RunsRoot), load, observer, settings.CheckpointEvery, Versions(),
            settings.Cancellation, settings.TensorBoard, model, data?.Shape, data?.TrainCount, Sparse: settings.Sparse);
    }

    /// <summary>Loads the registry's datasets: <paramref name="dataRoot"/>, LOTTERY_DATA, <paramref name="recordedRoot"/>
    /// (where a run found its data before), the system locations, then a download.</summary>
    public static Func<DatasetHparams, SplitData> RegistryLoader(string? dataRoot, string? recordedRoot, torch.Device device, ILotteryObserver observer) => hparams =>
    {
        var options = DataOptions.FromEnvironment() with { Log = observer.OnMessage, RecordedRoots = recordedRoot is null ? [] : [recordedRoot] };
        var raw = DatasetLoader.Load(hparams.Dataset, dataRoot, options);
        observer.OnMessage($"data: {hparams.Dataset} from {raw.Root}");
        return SplitData.Create(raw, hparams, device);
    };

    /// <summary>Program and library versions recorded in each run's manifest, with the thread count (which changes the last
    /// bits; the run adds its sparse-kernel mode, which does too).</summary>
    public static IReadOnlyDictionary<string, string> Versions() => new Dictionary<string, string>
    {
        ["lottery"] = typeof(Experiment).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?",
        ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString() ?? "?",
        ["libtorch"] = torch.__version__,
        ["dotnet"] = System.Environment.Version.ToString(),
        ["os"] = RuntimeInformation.OSDescription,
        ["threads"] = torch.get_num_threads().ToString(),
        ["cores"] = System.Environment.ProcessorCount.ToString(),
        ["native_loader"] = Native.TorchNativeLoader.Status,
        ["allocator"] = Native.AllocatorTuning.Status,
    };

    /// <summary>The open run of <paramref name="kind"/> (dense training, iterative, one-shot), opened on first use.</summary>
    RunHandle Run(RunKind kind)
    {
        if (_runs.TryGetValue(kind, out var open)) return open;
        if (_hparams is null)
            throw new HparamsException($"this experiment was opened from the {_runs.Keys.Single().Prefix()} run {_runs.Values.Single().Layout.Root}: " +
                $"a {kind.Prefix()} run needs the experiment's hyperparameters (Experiment.Create)");
        return _runs[kind] = RunHandle.Open(_environment, new RunIdentity(kind, _hparams, _seed, _rewind));
    }

    /// <summary>The directory of the run of <paramref name="kind"/> (opening it, which creates it unless the hyperparameters are refused).</summary>
    public string RunDirectory(RunKind kind) => Run(kind).Layout.Root;

    /// <summary>The directory a run of <paramref name="kind"/> of this experiment has or will have under the runs root,
    /// computed without creating, reading or loading anything (the hyperparameters are checked): for plans and dry runs.</summary>
    public string PlannedRunDirectory(RunKind kind) => _runs.TryGetValue(kind, out var open) ? open.Layout.Root
        : Path.Combine(_environment.RunsRoot, RunHandle.DirectoryNameOf(_environment, new RunIdentity(kind, _hparams
            ?? throw new HparamsException("this experiment was opened from an existing run: plan new runs with Experiment.Create"), _seed, _rewind)));

    /// <summary>Creates the run of <paramref name="kind"/> (directory and manifest, everything checked) without training
    /// anything, and keeps it: for work that other processes will do, such as Slurm jobs. Returns its directory.</summary>
    public string Prepare(RunKind kind)
    {
        var run = Run(kind);
        run.Keep();
        return run.Layout.Root;
    }

    static IReadOnlyList<int> Replicates(IReadOnlyList<int>? replicates)
    {
        var list = replicates ?? [1];
        if (list.Count == 0) throw new ArgumentException("no replicate named: give replicate numbers (1, 2, …) or null for replicate 1", nameof(replicates));
        if (list.Any(r => r < 1)) throw new ArgumentException($"replicate numbers start at 1 (got {string.Join(", ", list)})", nameof(replicates));
        return list.Distinct().Order().ToList();
    }

    /// <summary>Dense training only: level 0 of each replicate (default: replicate 1).</summary>
    public IReadOnlyList<StageSummary> Train(IReadOnlyList<int>? replicates = null) =>
        new LotteryRunner(Run(RunKind.Train)).Train(Replicates(replicates));

    /// <summary>Iterative magnitude pruning: levels 0..<paramref name="levels"/> of each replicate (extending a run that has fewer).</summary>
    public IReadOnlyList<IReadOnlyList<StageSummary>> Find(int levels, IReadOnlyList<int>? replicates = null) =>
        new LotteryRunner(Run(RunKind.Lottery)).Find(levels, Replicates(replicates));

    /// <summary>One-shot pruning to each percent remaining in <paramref name="targets"/> (0 to 100, exclusive).</summary>
    public IReadOnlyList<IReadOnlyList<StageSummary>> OneShot(IReadOnlyList<double> targets, IReadOnlyList<int>? replicates = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0) throw new ArgumentException("no one-shot target given: give percents remaining such as 51.3, 21.1", nameof(targets));
        var bad = targets.Where(t => !(t > 0 && t < 100)).ToList();
        if (bad.Count > 0)
            throw new ArgumentException($"one-shot target {bad[0]} is not a percent remaining in (0, 100)", nameof(targets));
        return new LotteryRunner(Run(RunKind.OneShot)).OneShot(targets.Distinct().OrderByDescending(t => t).ToList(), Replicates(replicates));
    }

    /// <summary>The random-reinitialization control on the iterative run's levels (default: every pruned level done,
    /// every replicate present), <paramref name="draws"/> reinitializations per level.</summary>
    public IReadOnlyList<StageSummary> Reinit(IReadOnlyList<int>? levels = null, IReadOnlyList<int>? replicates = null, int draws = 1) =>
        Branch("reinit", levels, null, replicates, new BranchOptions(draws));

    /// <summary>The random-pruning control: a random mask with each level's per-layer sparsity, original initialization.</summary>
    public IReadOnlyList<StageSummary> RandomPruning(IReadOnlyList<int>? levels = null, IReadOnlyList<int>? replicates = null) =>
        Branch("random_pruning", levels, null, replicates);

    /// <summary>The continued-training control: each level's mask over the previous level's trained weights (no reset).</summary>
    public IReadOnlyList<StageSummary> Continued(IReadOnlyList<int>? levels = null, IReadOnlyList<int>? replicates = null) =>
        Branch("continued", levels, null, replicates);

    /// <summary>Instability analysis (<see cref="StabilityBranch"/>) of the iterative run's levels (default: every finished
    /// level, the dense one included) at each rewind point (default: 0), <paramref name="points"/> points along each path.</summary>
    public IReadOnlyList<StageSummary> Stability(IReadOnlyList<int>? levels = null, IReadOnlyList<string>? rewindPoints = null, int points = 30,
        IReadOnlyList<int>? replicates = null, int? trainExamples = null, string batchNormStatistics = "interpolate") =>
        Branch("stability", levels, null, replicates, new BranchOptions(RewindPoints: rewindPoints, Points: points, TrainExamples: trainExamples,
            BatchNormStatistics: batchNormStatistics));

    /// <summary>
    /// Attaches branch <paramref name="branch"/> (<see cref="BranchRegistry"/>: reinit, random_pruning, continued, shuffle,
    /// invert, stability) to finished stages: levels of the iterative run, or with <paramref name="targets"/> one-shot targets of the
    /// one-shot run (an experiment opened from a run uses that run). Default: every finished stage it attaches to, every
    /// replicate present.
    /// </summary>
    public IReadOnlyList<StageSummary> Branch(string branch, IReadOnlyList<int>? levels = null, IReadOnlyList<double>? targets = null,
        IReadOnlyList<int>? replicates = null, BranchOptions? options = null)
    {
        var b = BranchRegistry.Get(branch);
        var run = _hparams is null ? _runs.Values.Single() : Run(targets is not null ? RunKind.OneShot : RunKind.Lottery);
        var present = run.Layout.Replicates().ToList();
        if (present.Count == 0) throw new RunFileException($"{run.Layout.Root} has no replicate yet: run its experiment first ({(run.Identity.Kind == RunKind.OneShot ? "OneShot" : "Find")})");
        var chosen = replicates is null ? present : Replicates(replicates);
        var absent = chosen.Except(present).ToList();
        if (absent.Count > 0)
            throw new HparamsException($"{Path.GetFileName(run.Layout.Root)} has replicate{(present.Count == 1 ? "" : "s")} {string.Join(", ", present)}, not " +
                $"{string.Join(", ", absent)}: run them first, or choose from those", "replicates");
        return new BranchRunner(run).Run(b, chosen, levels, targets, options);
    }

    /// <summary>Writes the ticket of an iterative run's level (<see cref="TicketExport"/>): mask, starting weights (θ0
    /// or θk), trained weights, as safetensors and a TorchSharp state dict, with a JSON description.</summary>
    public TicketExport Export(int replicate, int level, string outDirectory) =>
        TicketExport.Write(Run(RunKind.Lottery).Layout.Root, replicate, level, outDirectory);

    public void Dispose()
    {
        foreach (var run in _runs.Values) run.Dispose();
        _runs.Clear();
    }
}
