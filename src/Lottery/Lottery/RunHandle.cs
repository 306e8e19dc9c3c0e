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
/// Opening the same identity again finds the same directory and its finished work. Each replicate this process
/// works on is locked (<see cref="Claim"/>): two processes can run different replicates of one run side by side,
/// never the same one.
/// </summary>
public sealed class RunHandle : IDisposable
{
    readonly Dictionary<int, RunLock> _locks = [];
    SplitData? _data;
    TrainingPlan? _plan;
    Pruner? _pruner;
    RunManifest _manifest;

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
        if (!_locks.ContainsKey(replicate)) _locks[replicate] = RunLock.Acquire(Layout.Replicate(replicate));
    }

    /// <summary>Opens (creating if needed) the directory of <paramref name="identity"/> under the runs root.</summary>
    public static RunHandle Open(RunEnvironment environment, RunIdentity identity)
    {
        identity.Hparams.Validate();
        ModelRegistry.Validate(identity.Hparams.Model.Model);
        Initializers.Validate(identity.Hparams.Model.Initializer);
        if (identity.Rewind is not null) Step.Parse(identity.Rewind);
        ValidateAgainstModel(identity);
        var layout = new RunLayout(Path.Combine(environment.RunsRoot, identity.DirectoryName));
        Directory.CreateDirectory(layout.Root);
        RunManifest manifest;
        if (File.Exists(layout.Manifest))
        {
            manifest = RunManifest.Load(layout.Manifest);
            if (manifest.Hash != identity.Hash || manifest.Identity.Hash != identity.Hash)
                throw new RunFileException($"{layout.Manifest} describes other hyperparameters than its directory name says: move the directory away and re-run");
        }
        else
        {
            manifest = new RunManifest
            {
                Kind = identity.Kind.Prefix(),
                Hash = identity.Hash,
                Canonical = JsonSerializer.SerializeToElement(identity.ToCanonical().ToJson()),
                Hparams = identity.Hparams,
                Seed = identity.Seed,
                Rewind = identity.Rewind,
                Created = DateTimeOffset.UtcNow,
                Versions = new Dictionary<string, string>(environment.Versions),
            };
            manifest.Save(layout.Manifest);
        }
        return new RunHandle(environment, layout, identity, manifest);
    }

    /// <summary>Checks what needs the model's layers (pruning layer names, exclusions) before anything is written.
    /// Data supplied by the caller under another name (tests' synthetic data) is checked when it loads instead.</summary>
    static void ValidateAgainstModel(RunIdentity identity)
    {
        var spec = DatasetRegistry.Find(identity.Hparams.Dataset.Dataset);
        if (spec is null || identity.Kind == RunKind.Train) return;
        using var model = ModelRegistry.Create(identity.Hparams.Model, new InputShape(spec.Channels, spec.Height, spec.Width, spec.Classes));
        _ = new Pruner(identity.Hparams.Pruning, model.PrunableTensors);
    }

    /// <summary>Opens an existing run directory (by path, name or unique hash prefix under the runs root).</summary>
    public static RunHandle OpenExisting(RunEnvironment environment, string run)
    {
        var dir = RunCatalog.Resolve(environment.RunsRoot, run);
        var manifest = RunManifest.Load(Path.Combine(dir, "manifest.json"));
        var identity = manifest.Identity;
        if (identity.DirectoryName != Path.GetFileName(dir.TrimEnd('/')))
            throw new RunFileException($"{dir}: its manifest hashes to {identity.DirectoryName}; was the directory renamed or the manifest edited?");
        return Open(environment with { RunsRoot = Path.GetDirectoryName(Path.GetFullPath(dir).TrimEnd('/'))! }, identity);
    }

    public SplitData Data
    {
        get
        {
            if (_data is not null) return _data;
            _data = Environment.LoadData(Hparams.Dataset);
            _manifest = _manifest with
            {
                DatasetChecksums = new Dictionary<string, string>(_data.Checksums),
                NormalizationMean = _data.Mean,
                NormalizationStd = _data.Std,
            };
            _manifest.Save(Layout.Manifest);
            return _data;
        }
    }

    public TrainingPlan Plan => _plan ??= TrainingPlan.Create(Hparams.Training, Hparams.Dataset.BatchSize, Data.Train.Count);

    IReadOnlyList<PrunableTensor>? _prunableTensors;

    public IReadOnlyList<PrunableTensor> PrunableTensors
    {
        get
        {
            if (_prunableTensors is not null) return _prunableTensors;
            using var model = ModelRegistry.Create(Hparams.Model, Data.Shape);
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
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(seeds.ToDictionary(), RunManifest.Json) + "\n");
        return seeds;
    }

    /// <summary>θ0 of a replicate: drawn once from its init seed and saved, then always read back.</summary>
    public IReadOnlyDictionary<string, float[]> InitialWeights(int replicate)
    {
        var path = Layout.Init(replicate);
        if (File.Exists(path)) return WeightsIO.LoadWeights(path);
        using var model = ModelRegistry.Create(Hparams.Model, Data.Shape);
        Initializers.Apply(model, Hparams.Model.Initializer, SeedsFor(replicate).Init);
        var weights = Snapshot(model);
        WeightsIO.SaveWeights(path, weights);
        return weights;
    }

    /// <summary>Fresh weights from the same initializer and another seed (random reinitialization).</summary>
    public IReadOnlyDictionary<string, float[]> DrawWeights(long seed)
    {
        using var model = ModelRegistry.Create(Hparams.Model, Data.Shape);
        Initializers.Apply(model, Hparams.Model.Initializer, seed);
        return Snapshot(model);
    }

    static Dictionary<string, float[]> Snapshot(LotteryModel model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());

    public void Dispose()
    {
        _data?.Dispose();
        foreach (var l in _locks.Values) l.Dispose();
    }
}
