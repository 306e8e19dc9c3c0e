using System.Text.Json;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Models;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Lottery;

/// <summary>
/// An open run directory: its manifest written or checked, its data and training plan loaded on first use.
/// Opening the same identity again finds the same directory and its finished work. Each replicate whose trunk this
/// process works on is locked (<see cref="Claim"/>), and each directory a branch of it writes (<see cref="ClaimBranch"/>):
/// two processes can run different replicates of one run side by side, or a replicate's trunk and its branches, or two
/// of its branches, never the same trunk or the same branch.
/// </summary>
public sealed class RunHandle : IDisposable
{
    readonly Dictionary<int, RunLock> _locks = [];
    readonly Dictionary<string, RunLock> _branchLocks = new(StringComparer.Ordinal);
    readonly List<string> _createdBranches = [];
    SplitData? _data;
    TrainingPlan? _plan;
    Pruner? _pruner;
    RunManifest _manifest;
    bool _created;
    readonly HashSet<int> _createdReplicates = [];

    public RunEnvironment Environment { get; }
    public RunLayout Layout { get; }
    public RunIdentity Identity { get; }
    public ExperimentHparams Hparams => Identity.Hparams;
    public RunManifest Manifest => _manifest;

    /// <summary>For tests: called after each training iteration (throw to simulate a crash).</summary>
    public Action<int>? AfterIteration { get; set; }

    RunHandle(RunEnvironment environment, RunLayout layout, RunIdentity identity, RunManifest manifest)
    {
        Environment = environment;
        Layout = layout;
        Identity = identity;
        _manifest = manifest;
    }

    /// <summary>Locks replicate <paramref name="replicate"/> for this process (idempotent); throws when another
    /// process holds it.</summary>
    public void Claim(int replicate)
    {
        if (_locks.ContainsKey(replicate)) return;
        var dir = Layout.Replicate(replicate);
        if (!Directory.Exists(dir)) _createdReplicates.Add(replicate);
        var runLock = _locks[replicate] = RunLock.Acquire(dir);
        if (runLock.TakenOver is { } dead)
            Environment.Observer.OnMessage($"replicate {replicate}: took over the lock left by {dead} (its job has ended or its heartbeat stopped)");
        // Temporary files of writes cut short by a crash (kill -9): no other process writes in a locked replicate's trunk.
        // Its branches' directories have locks of their own, and their holders clean them.
        AtomicFile.RemoveStaleTemporaries(dir, recursive: true, skip: RunLayout.IsBranchOwned);
    }

    /// <summary>Locks <paramref name="directory"/>, one a branch writes (an instance's directory under its stage, or the
    /// dense rewind point it trains), for this process (idempotent); throws when another process holds it. A branch reads
    /// its trunk's finished stages and writes only there, so it needs no lock on the replicate: a replicate's branches
    /// run beside each other and beside its trunk.</summary>
    public void ClaimBranch(string directory)
    {
        directory = Path.GetFullPath(directory);
        if (_branchLocks.ContainsKey(directory)) return;
        // The directories the lock makes (the instance's, and its stage's branch folder when it is the first), deepest first.
        for (var d = directory; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) _createdBranches.Add(d);
        var runLock = _branchLocks[directory] = RunLock.Acquire(directory);
        if (runLock.TakenOver is { } dead)
            Environment.Observer.OnMessage($"{Path.GetRelativePath(Layout.Root, directory)}: took over the lock left by {dead} (its job has ended or its heartbeat stopped)");
        AtomicFile.RemoveStaleTemporaries(directory, recursive: true);
    }

    /// <summary>Keeps the run directory (manifest included) even when this process trains nothing in it: jobs
    /// submitted to a scheduler will, and their scripts, logs and records live in it meanwhile.</summary>
    public void Keep()
    {
        _created = false;
        _createdReplicates.Clear();
    }

    /// <summary>The directory name a run of <paramref name="identity"/> has (its hyperparameters checked and normalized as
    /// <see cref="Open(RunEnvironment, RunIdentity)"/> does), without reading data or writing anything: for plans.</summary>
    public static string DirectoryNameOf(RunEnvironment environment, RunIdentity identity) => Checked(identity, environment).DirectoryName;

    /// <summary>Opens (creating if needed) the directory of <paramref name="identity"/> under the runs root.
    /// Everything that can be checked is checked first (hyperparameters against the model and the dataset's size,
    /// the rewind point, the data itself for a new run), so a command that fails leaves no directory behind.</summary>
    public static RunHandle Open(RunEnvironment environment, RunIdentity identity) => Open(environment, identity, existing: false);

    static RunHandle Open(RunEnvironment environment, RunIdentity identity, bool existing)
    {
        // An existing run keeps the identity its manifest records (normalizing names could change an old run's hash).
        var checkedIdentity = Checked(identity, environment);
        if (!existing) identity = checkedIdentity;
        var layout = new RunLayout(Path.Combine(environment.RunsRoot, identity.DirectoryName));
        RunManifest manifest;
        SplitData? data = null;
        bool created = false;
        if (File.Exists(layout.Manifest))
        {
            manifest = RunManifest.Load(layout.Manifest);
            if (manifest.Hash != identity.Hash || manifest.Identity.Hash != identity.Hash)
                throw new RunFileException($"{layout.Manifest} describes other hyperparameters than its directory name says: move the directory away and re-run");
        }
        else
        {
            // A new run: find and read the data before the directory exists, so a missing dataset leaves nothing.
            data = environment.LoadData(identity.Hparams.Dataset);
            created = !Directory.Exists(layout.Root);
            manifest = new RunManifest
            {
                Kind = identity.Kind.Prefix(),
                Hash = identity.Hash,
                Canonical = JsonSerializer.SerializeToElement(identity.ToCanonical().ToJson()),
                Hparams = identity.Hparams,
                Seed = identity.Seed,
                Rewind = identity.Rewind,
                Created = DateTimeOffset.UtcNow,
                // What changes the last bits is recorded with the versions: the thread count (in them), the sparse kernels' mode,
                // and whether the network (built by the checks above) turned oneDNN's convolutions off.
                Versions = new Dictionary<string, string>(environment.Versions)
                {
                    ["sparse"] = Sparse.SparseModes.Name(environment.Sparse),
                    ["convolution"] = Native.ConvolutionBackends.OneDnnOff ?? "oneDNN",
                },
            };
            try
            {
                CreateDirectory(layout.Root);
            }
            catch
            {
                data.Dispose();
                throw;
            }
        }
        AtomicFile.RemoveStaleTemporaries(layout.Root);
        var handle = new RunHandle(environment, layout, identity, manifest) { _created = created };
        if (data is not null) handle.Adopt(data);
        return handle;
    }

    /// <summary>The identity with its hyperparameters validated and normalized, refusing before anything is written:
    /// names checked against the model's layers, the schedule against the dataset's size, the rewind point against
    /// the training length. Data supplied by the caller under another name (tests' synthetic data) is checked when
    /// it loads instead.</summary>
    static RunIdentity Checked(RunIdentity identity, RunEnvironment environment)
    {
        var h = identity.Hparams;
        h.Validate();
        if (identity.Kind == RunKind.Lottery && Pruning.Scoring.ScoreRegistry.Of(h.Pruning) != Pruning.Scoring.ScoreRegistry.Default)
            throw new HparamsException($"iterative pruning ranks trained weights by magnitude each round; score {h.Pruning.Score!.Name} prunes once: " +
                "use one-shot pruning to its targets instead", "pruning.score");
        if (h.Model.IsCustom) CheckCustom(h.Model, environment.Model);
        else ModelRegistry.Validate(h.Model.Model);
        Initializers.Validate(h.Model.Initializer);
        if (identity.Rewind is not null)
        {
            try { Step.Parse(identity.Rewind); }
            catch (FormatException e) { throw new HparamsException($"rewind point: {e.Message}", "rewind"); }
        }
        var spec = DatasetRegistry.Find(h.Dataset.Dataset);
        InputShape? shape = spec is null ? environment.InputShape : new InputShape(spec.Channels, spec.Height, spec.Width, spec.Classes);
        int? trainCount = spec?.TrainCount ?? environment.TrainCount;
        if (shape is null || trainCount is null) return identity;
        using (var model = CreateModel(h.Model, shape, environment.Model))
        {
            h = h with { Pruning = h.Pruning.Normalize(model.PrunableTensors.Select(t => t.Name).ToList()) };
            if (identity.Kind != RunKind.Train) _ = new Pruner(h.Pruning, model.PrunableTensors);
        }
        var plan = TrainingPlan.For(h, trainCount.Value);
        if (identity.Rewind is not null && plan.ToIterations(identity.Rewind) >= plan.TotalIterations)
            throw new HparamsException($"rewind point {identity.Rewind} is not before the end of training ({plan.TotalIterations} iterations): rewind to an earlier step", "rewind");
        return identity with { Hparams = h };
    }

    /// <summary>A run of a network built in code needs that network: the same name, and an architecture that hashes as
    /// the run records (a changed network is a new run, never a silent mix in one directory).</summary>
    static void CheckCustom(ModelHparams hparams, CustomModel? model)
    {
        if (model is null)
            throw new HparamsException($"this run trains '{hparams.Model}', a network built in code (architecture {hparams.Architecture}): " +
                "its stages and controls run through the library API (Lottery.Api.Experiment) with that network; show, report and export work here");
        if (model.Name != hparams.Model)
            throw new HparamsException($"the run's network is '{hparams.Model}', the network given is '{model.Name}': give the run's network");
    }

    /// <summary>The run's network: the code-built one when the run has it, else the built-in one its name gives.</summary>
    static LotteryModel CreateModel(ModelHparams hparams, InputShape shape, CustomModel? custom)
    {
        if (!hparams.IsCustom) return ModelRegistry.Create(hparams, shape);
        CheckCustom(hparams, custom);
        return custom!.Create(shape);
    }

    /// <summary>A fresh copy of this run's network (built-in or built in code) for its data's input shape.</summary>
    public LotteryModel CreateModel() => CreateModel(Hparams.Model, Data.Shape, Environment.Model);

    /// <summary>Creates a directory, turning the file system's refusal into one line that names the fix.</summary>
    static void CreateDirectory(string path)
    {
        try { Directory.CreateDirectory(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunFileException($"cannot create {path} ({e.Message.TrimEnd('.')}): choose a writable directory with --runs-dir or LOTTERY_RUNS");
        }
    }

    /// <summary>Opens an existing run directory (by path, name or unique hash prefix under the runs root).</summary>
    public static RunHandle OpenExisting(RunEnvironment environment, string run)
    {
        var dir = RunCatalog.Resolve(environment.RunsRoot, run);
        var identity = RunManifest.LoadVerified(dir).Identity;
        return Open(environment with { RunsRoot = Path.GetDirectoryName(Path.GetFullPath(dir).TrimEnd('/'))! }, identity, existing: true);
    }

    public SplitData Data
    {
        get
        {
            if (_data is null) Adopt(Environment.LoadData(Hparams.Dataset));
            return _data!;
        }
    }

    /// <summary>Takes loaded data as this run's, recording its checksums, normalization and root in the manifest
    /// (the root lets controls and later commands find the data without --data-root).</summary>
    void Adopt(SplitData data)
    {
        _data = data;
        var tensors = _manifest.Tensors;
        if (tensors is null)
        {
            using var model = CreateModel(Hparams.Model, data.Shape, Environment.Model);
            tensors = model.named_parameters().Select(p => new TensorInfo(p.name, p.parameter.dtype.ToString(), p.parameter.shape, true))
                .Concat(model.named_buffers().Select(b => new TensorInfo(b.name, b.buffer.dtype.ToString(), b.buffer.shape, false))).ToList();
        }
        _manifest = _manifest with
        {
            Tensors = tensors,
            DatasetChecksums = new Dictionary<string, string>(data.Checksums),
            NormalizationMean = data.Mean,
            NormalizationStd = data.Std,
            DataRoot = data.Root ?? _manifest.DataRoot,
        };
        _manifest.Save(Layout.Manifest);
    }

    public TrainingPlan Plan => _plan ??= TrainingPlan.Create(Hparams, Data.Train.Count);

    IReadOnlyList<PrunableTensor>? _prunableTensors;

    public IReadOnlyList<PrunableTensor> PrunableTensors
    {
        get
        {
            if (_prunableTensors is not null) return _prunableTensors;
            using var model = CreateModel();
            return _prunableTensors = model.PrunableTensors;
        }
    }

    public Pruner Pruner => _pruner ??= new Pruner(Hparams.Pruning, PrunableTensors);

    /// <summary>The rewind point in iterations (0 = reset to θ0).</summary>
    public int RewindIteration => Identity.Rewind is null ? 0 : Plan.ToIterations(Identity.Rewind);

    /// <summary>The replicate's seeds, also written to replicate_R/seeds.json for the record.</summary>
    public ReplicateSeeds SeedsFor(int replicate)
    {
        var seeds = ReplicateSeeds.For(Identity.Seed, replicate);
        var path = Path.Combine(Layout.Replicate(replicate), "seeds.json");
        if (!File.Exists(path))
        {
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(seeds.ToDictionary(), RunManifest.Json) + "\n");
            return seeds;
        }
        // The seeds are derived from the run's seed, never read back; the file is the record, checked like the others.
        Dictionary<string, long>? recorded;
        try { recorded = JsonSerializer.Deserialize<Dictionary<string, long>>(File.ReadAllText(path), RunManifest.Json); }
        catch (Exception e) when (e is JsonException or NotSupportedException) { recorded = null; }
        var expected = seeds.ToDictionary();
        if (recorded is null || recorded.Count != expected.Count || expected.Any(kv => recorded.GetValueOrDefault(kv.Key) != kv.Value))
            throw new RunFileException($"{path} is corrupted or edited (it does not hold the seeds derived from the run's seed {Identity.Seed}): " +
                "delete it and re-run the command (it is written again)");
        return seeds;
    }

    /// <summary>θ0 of a replicate: drawn once from its init seed and saved, then always read back.</summary>
    public IReadOnlyDictionary<string, float[]> InitialWeights(int replicate)
    {
        var path = Layout.Init(replicate);
        if (File.Exists(path)) return WeightsIO.LoadWeights(path);
        using var model = CreateModel();
        Initializers.Apply(model, Hparams.Model.Initializer, SeedsFor(replicate).Init);
        var weights = Snapshot(model);
        WeightsIO.SaveWeights(path, weights);
        return weights;
    }

    /// <summary>Fresh weights from the same initializer and another seed (random reinitialization).</summary>
    public IReadOnlyDictionary<string, float[]> DrawWeights(long seed)
    {
        using var model = CreateModel();
        Initializers.Apply(model, Hparams.Model.Initializer, seed);
        return Snapshot(model);
    }

    static Dictionary<string, float[]> Snapshot(LotteryModel model) => ModelState.Of(model);

    public void Dispose()
    {
        _data?.Dispose();
        foreach (var l in _locks.Values) l.Dispose();
        foreach (var l in _branchLocks.Values) l.Dispose();
        RemoveWhatDidNothing();
    }

    /// <summary>A command that failed before any stage began leaves nothing behind: the run directory (or the
    /// replicate directories) this handle created are removed when no stage directory was made in them.</summary>
    void RemoveWhatDidNothing()
    {
        bool HasStages(int r) => Directory.Exists(Layout.Replicate(r)) &&
            Directory.EnumerateDirectories(Layout.Replicate(r)).Any(d => Path.GetFileName(d) is { } n && (RunLayout.IsTrunkDirectory(n)));
        try
        {
            if (_created && !Layout.Replicates().Any(HasStages))
            {
                Directory.Delete(Layout.Root, recursive: true);
                return;
            }
            foreach (var r in _createdReplicates.Where(r => !HasStages(r)))
                Directory.Delete(Layout.Replicate(r), recursive: true);
            // A branch directory locked but never begun holds only its lock's file (and the folder above it, nothing else).
            foreach (var dir in _createdBranches)
                if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).All(e => Path.GetFileName(e) == "lock"))
                    Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: another process may have started work in it meanwhile.
        }
    }
}
