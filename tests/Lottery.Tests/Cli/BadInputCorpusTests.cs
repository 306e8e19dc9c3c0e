using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Lottery.Runs;

namespace Lottery.Tests.Cli;

/// <summary>
/// The corpus of bad input, one case per class of mistake a user makes: every case exits 1 or 2 with exactly one
/// line on stderr starting "error:" that contains the expected words, no stack trace or "unexpected", and leaves
/// its runs directory byte for byte as it was. Cases that need a run get their own copy of a small finished one.
/// </summary>
public class BadInputCorpusTests
{
    /// <param name="Setup">Prepares the case's copy of the runs directory (the run's directory is passed) before the snapshot.</param>
    /// <param name="WithoutData">Run without LOTTERY_DATA, so only --data-root and the (empty) cache are searched.</param>
    public sealed record Case(int Exit, string Message, string[] Args, bool NeedsRun = false, Action<string>? Setup = null, bool WithoutData = false)
    {
        public override string ToString() => string.Join(' ', Args);
    }

    const string Run = "{run}";
    static readonly string AFile = typeof(BadInputCorpusTests).Assembly.Location;
    static readonly string[] Quick = ["--dataset", "mnist", "--train-subset", "1200", "--eval-every", "20", "--threads", "1"];
    static readonly string[] FixtureArgs = ["find", "--levels", "1", "--iterations", "40it", "--replicates", "2", .. Quick];

    static string[] A(params string[] args) => args;
    static string[] T(params string[] args) => With("train", args);
    static string[] F(params string[] args) => With("find", args);
    static string[] O(params string[] args) => With("oneshot", ["--targets", "50", .. args]);

    /// <summary>The command with the quick defaults, minus those the case gives itself.</summary>
    static string[] With(string command, string[] args)
    {
        string[] defaults = [.. Quick, "--iterations", "40it"];
        var kept = new List<string> { command };
        for (int i = 0; i < defaults.Length; i += 2)
            if (!args.Contains(defaults[i])) kept.AddRange([defaults[i], defaults[i + 1]]);
        return [.. kept, .. args];
    }

    static void Corrupt(string path)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
    }

    static string Level(string run, int replicate, int level) => Path.Combine(run, $"replicate_{replicate}", $"level_{level}");

    /// <summary>Locks the test holds (the "run in use" case), released when the corpus is done.</summary>
    static readonly ConcurrentBag<RunLock> Held = [];

    public static readonly Case[] Cases =
    [
        // Numbers the parser rejects (exit 2): not numbers, not finite, out of range, overflowing.
        new(2, "--lr: 'fast' is not a number", T("--lr", "fast")),
        new(2, "--lr: 'nan' is not a finite number", T("--lr", "nan")),
        new(2, "--lr: 'Infinity' is not a finite number", T("--lr", "Infinity")),
        new(2, "--dropout: 'NaN' is not a finite number", T("--dropout", "NaN")),
        new(2, "--momentum: 'nan' is not a finite number", T("--optimizer", "sgd", "--momentum", "nan")),
        new(2, "--weight-decay: 'nan' is not a finite number", T("--weight-decay", "nan")),
        new(2, "--gamma: 'NaN' is not a finite number", T("--gamma", "NaN")),
        new(2, "--fc-rate: '1e999' is not a finite number", F("--fc-rate", "1e999")),
        new(2, "--batch-size must be at least 1", T("--batch-size", "0")),
        new(2, "--batch-size: 'ten' is not a whole number", T("--batch-size", "ten")),
        new(2, "--batch-size: 99999999999 is too large", T("--batch-size", "99999999999")),
        new(2, "--eval-every must be at least 1", T("--eval-every", "0")),
        new(2, "--threads must be at least 1", T("--threads", "0")),
        new(2, "--threads: 'all' is not a whole number", T("--threads", "all")),
        new(2, "--seed: '1.5' is not a whole number", T("--seed", "1.5")),
        new(2, "--levels must be at least 0", F("--levels", "-1")),
        new(2, "--levels: 'many' is not a whole number", F("--levels", "many")),
        new(2, "--checkpoint-every must be at least 1", T("--checkpoint-every", "0")),
        new(2, "--replicates must be at least 1", T("--replicates", "0")),
        new(2, "--train-subset must be at least 1", T("--train-subset", "0")),
        new(2, "--draws must be at least 1", A("reinit", Run, "--draws", "0"), NeedsRun: true),
        new(2, "--iterations must be at least 10", A("bench", "--iterations", "5")),
        // Parser errors that read like the program's own.
        new(2, "unknown flag '--no-such-flag'", T("--no-such-flag")),
        new(2, "unknown command 'frobnicate': the commands are train, find", A("frobnicate")),
        new(2, "no command given: the commands are", A()),
        new(2, "--lr needs a value", A("train", "--lr")),
        new(2, "show needs a RUN argument", A("show")),
        new(2, "unexpected argument 'maybe'", T("--nesterov", "maybe")),
        new(2, "--runs-dir is empty", T("--runs-dir", "")),
        new(2, "--data-root is empty", T("--data-root", " ")),
        new(2, "--preset is empty", T("--preset", "")),
        // Unknown names and malformed values (exit 1).
        new(1, "unknown preset 'lenet_cifar'", A("train", "--preset", "lenet_cifar")),
        new(1, "unknown model 'resnet50'", T("--model", "resnet50")),
        new(1, "unknown dataset 'imagenet'", T("--dataset", "imagenet")),
        new(1, "a CIFAR ResNet's depth is 6n+2", T("--dataset", "cifar10", "--model", "resnet_21")),
        new(1, "a VGG width must be 1 to 1024", T("--dataset", "cifar10", "--model", "vgg19_0")),
        new(1, "--dropout: dropout applies to the fully-connected layers of lenet and conv nets; vgg19 has none", A("train", "--preset", "vgg19_warmup_cifar10", "--dropout", "0.3")),
        new(1, "unknown optimizer 'rmsprop'", T("--optimizer", "rmsprop")),
        new(1, "unknown initializer", T("--initializer", "zeros")),
        new(1, "unknown pruning strategy 'random'", F("--strategy", "random")),
        new(1, "unknown device 'tpu'", T("--device", "tpu")),
        new(1, "CUDA is not available", T("--device", "cuda")),
        new(1, "unknown preset 'nosuch'", A("bench", "--presets", "lenet_mnist,nosuch")),
        // The sparse kernels' benchmarks (a ticket dense against sparse; the crossover) and the mode itself.
        new(1, "--run needs the ticket: give --level L", A("bench", "--run", Run), NeedsRun: true),
        new(1, "--run needs the ticket: give --level L", A("bench", "--run", Run, "--level", "1", "--target", "5"), NeedsRun: true),
        new(1, "has no ticket yet", A("bench", "--run", Run, "--level", "9"), NeedsRun: true),
        new(1, "has no one-shot target 5%", A("bench", "--run", Run, "--target", "5"), NeedsRun: true),
        new(1, "--sparse off has no sparse path to compare", A("bench", "--run", Run, "--level", "1", "--sparse", "off"), NeedsRun: true),
        new(1, "--crossover times layers, not a run: drop --run", A("bench", "--crossover", "--run", Run), NeedsRun: true),
        new(1, "--presets times the synthetic benchmark", A("bench", "--run", Run, "--level", "1", "--presets", "lenet_mnist"), NeedsRun: true),
        new(1, "unknown sparse mode 'sometimes'", T("--sparse", "sometimes")),
        new(1, "malformed step '50k'", ["train", .. Quick, "--iterations", "50k"]),
        new(1, "malformed step 'soon'", F("--rewind", "soon")),
        new(1, "malformed step '1.5ep'", F("--warmup", "1.5ep")),
        new(1, "malformed --replicate '0'", T("--replicate", "0")),
        new(1, "malformed --replicate '3-1'", T("--replicate", "3-1")),
        new(1, "malformed --targets '50,abc'", ["oneshot", .. Quick, "--iterations", "40it", "--targets", "50,abc"]),
        new(1, "malformed --targets 'nan'", ["oneshot", .. Quick, "--iterations", "40it", "--targets", "nan"]),
        new(1, "malformed --targets '100'", ["oneshot", .. Quick, "--iterations", "40it", "--targets", "100"]),
        new(1, "malformed --targets '0'", ["oneshot", .. Quick, "--iterations", "40it", "--targets", "0"]),
        new(1, "malformed --layer-rate 'fc1:0.3'", F("--layer-rate", "fc1:0.3")),
        new(1, "malformed --layer-rate 'fc1=nan'", F("--layer-rate", "fc1=nan")),
        new(1, "malformed --levels 'x'", A("reinit", Run, "--levels", "x"), NeedsRun: true),
        // Pruning scores (oneshot --score) and their own flags.
        new(1, "unknown pruning score 'obd'", O("--score", "obd")),
        new(1, "--rounds applies to --score synflow, not to snip", O("--score", "snip", "--rounds", "10")),
        new(1, "--temperature applies to --score grasp, not to magnitude", O("--temperature", "5")),
        new(1, "--score-batches applies to --score snip, not to grasp", O("--score", "grasp", "--score-batches", "2")),
        new(1, "unknown synflow schedule 'cubic'", O("--score", "synflow", "--schedule", "cubic")),
        new(1, "grasp temperature must be a positive number", O("--score", "grasp", "--temperature", "-1")),
        new(2, "--score-batches must be at least 1", O("--score", "snip", "--score-batches", "0")),
        new(2, "--rounds: 'many' is not a whole number", O("--score", "synflow", "--rounds", "many")),
        new(2, "unknown flag '--score'", F("--score", "snip")),
        new(1, "--targets: one-shot target 0.003% would prune fc2.weight away entirely", ["oneshot", .. Quick, "--iterations", "40it", "--score", "random", "--targets", "0.003"]),
        // Branches: where they attach, and which stages a run has.
        new(1, "no run 'nosuchrun'", A("shuffle", "nosuchrun")),
        new(1, "has no level 9 yet", A("invert", Run, "--levels", "9"), NeedsRun: true),
        new(1, "shuffle attaches to pruned stages, and level 0 is the dense network", A("shuffle", Run, "--levels", "0"), NeedsRun: true),
        new(1, "--targets: lottery_", A("reinit", Run, "--targets", "3.6"), NeedsRun: true),
        new(1, "--levels and --targets both choose stages", A("invert", Run, "--levels", "1", "--targets", "5"), NeedsRun: true),
        new(1, "malformed --targets 'x'", A("shuffle", Run, "--targets", "x"), NeedsRun: true),
        new(2, "unknown flag '--draws'", A("random_pruning", Run, "--draws", "2"), NeedsRun: true),
        // Instability analysis.
        new(1, "--rewind-points: rewind point 1000it is not before the end of training (40 iterations)", A("stability", Run, "--rewind-points", "0,1000it"), NeedsRun: true),
        new(1, "--rewind-points: rewind point: malformed step 'soon'", A("stability", Run, "--rewind-points", "soon"), NeedsRun: true),
        new(1, "has no level 7 yet", A("stability", Run, "--levels", "0,7"), NeedsRun: true),
        new(1, "--points: the path needs at least 3 points", A("stability", Run, "--points", "2"), NeedsRun: true),
        new(1, "--bn-statistics: unknown batch norm statistics 'freeze'", A("stability", Run, "--bn-statistics", "freeze"), NeedsRun: true),
        new(1, "--train-examples: train examples 99999 is not between 1 and the 1200 examples", A("stability", Run, "--train-examples", "99999"), NeedsRun: true),
        new(2, "--points: 'many' is not a whole number", A("stability", Run, "--points", "many"), NeedsRun: true),
        new(1, "no run 'nosuchrun'", A("stability", "nosuchrun")),
        new(1, "--controls: unknown branch 'shufle'", ["slurm", "find", .. Quick, "--iterations", "40it", "--controls", "shufle", "--dry-run"]),
        // Reproducing a figure.
        new(1, "unknown figure 'lenet5': the recipes are lenet, conv2", A("reproduce", "lenet5")),
        new(1, "unknown scale 'gpu': the scales are paper, cpu, smoke", A("reproduce", "lenet", "--scale", "gpu")),
        new(1, "name the figure to reproduce: lenet, conv2", A("reproduce")),
        new(1, "'all' is every recipe: give it alone, or name the figures (all conv4)", A("reproduce", "all", "conv4", "--dry-run")),
        new(1, "unknown figure 'conv5': the recipes are lenet", A("reproduce", "conv4", "conv5", "--dry-run")),
        new(1, "unknown figure 'conv5'", A("slurm", "reproduce", "conv4", "conv5", "--dry-run")),
        new(2, "--replicates must be at least 1", A("reproduce", "lenet", "--replicates", "0")),
        new(2, "--jobs: 'all' is not a whole number", A("reproduce", "lenet", "--jobs", "all")),
        new(1, "nothing to report yet: none of the recipe's runs exists", A("reproduce", "conv2", "--report-only")),
        new(1, "is a file: give a directory", A("reproduce", "lenet", "--scale", "smoke", "--out", AFile)),
        new(1, "unknown figure 'nosuch'", A("slurm", "reproduce", "nosuch", "--dry-run")),
        new(1, "unknown --order 'fastest': give listed (the recipes in the order named", A("reproduce", "conv4", "conv6", "--order", "fastest", "--dry-run")),
        new(2, "unknown flag '--order' (see `lottery slurm reproduce --help`)", A("slurm", "reproduce", "conv4", "conv6", "--order", "longest", "--dry-run")),
        // Values in range for their type but not for their meaning.
        new(1, "learning rate must be a positive number", T("--lr", "-1")),
        new(1, "learning rate must be a positive number", T("--lr", "0")),
        new(1, "dropout must be in [0, 1)", T("--dropout", "1")),
        new(1, "dropout must be in [0, 1)", T("--dropout", "-0.1")),
        new(1, "momentum must be in [0, 1)", T("--optimizer", "sgd", "--momentum", "1")),
        new(1, "weight decay must be a finite number ≥ 0", T("--weight-decay", "-1")),
        new(1, "gamma (the step-decay factor) must be a finite number above 0", T("--gamma", "-0.1")),
        new(1, "gamma (the step-decay factor) must be a finite number above 0", T("--gamma", "0")),
        new(1, "pruning rate for fc must be in [0, 1)", F("--fc-rate", "1.5")),
        new(1, "pruning rate for global must be in [0, 1)", F("--strategy", "global", "--global-rate", "-0.2")),
        new(1, "training length '0it' is zero iterations", ["train", .. Quick, "--iterations", "0it"]),
        new(1, "training length '200000000ep' is more than", ["train", .. Quick, "--iterations", "200000000ep"]),
        new(1, "step '99999999999it' is too large", ["train", .. Quick, "--iterations", "99999999999it"]),
        new(1, "--rewind: rewind point 1000it is not before the end of training", F("--rewind", "1000it")),
        new(1, "warmup '10ep' (200 iterations) is longer than training", T("--warmup", "10ep")),
        new(1, "milestone '5000it' (5000 iterations) is not inside training", T("--milestones", "20it,5000it")),
        new(1, "test-every 30 must be a multiple of eval-every 20", T("--test-every", "30")),
        new(2, "--test-every must be at least 1", T("--test-every", "0")),
        new(1, "validation size must be at least 1", T("--validation-size", "0")),
        new(1, "validation size 60000 leaves no training data", T("--validation-size", "60000")),
        new(1, "train subset 100000 is larger than the 55000 training examples", A("train", "--dataset", "mnist", "--train-subset", "100000")),
        new(1, "batch size 5000 is larger than the 1200 training examples", T("--batch-size", "5000")),
        // Flags that would be silently ignored are refused.
        new(1, "--momentum: momentum and nesterov apply to SGD only", T("--momentum", "0.9")),
        new(1, "--momentum: momentum and nesterov apply to SGD only", T("--nesterov", "true", "--momentum", "0.5")),
        new(1, "--global-rate applies to --strategy global", F("--global-rate", "0.3")),
        new(1, "--fc-rate applies to --strategy layerwise", F("--strategy", "global", "--fc-rate", "0.3")),
        new(1, "--layer-rate applies to --strategy layerwise", F("--strategy", "global", "--layer-rate", "fc1=0.3")),
        new(1, "--conv-rate: lenet_300_100 has no convolutional layers", F("--conv-rate", "0.2")),
        new(1, "--replicate and --replicates both name replicates", T("--replicate", "1", "--replicates", "2")),
        new(1, "layer rate names no prunable tensor 'fc7'", F("--layer-rate", "fc7=0.3")),
        new(1, "exclude names no prunable tensor 'fc9'", F("--exclude", "fc9")),
        new(1, "layer rate for fc1.weight is given twice", F("--layer-rate", "fc1=0.3", "--layer-rate", "fc1.weight=0.4")),
        // Where runs go.
        new(1, "is a file, not a directory", T("--runs-dir", AFile)),
        new(1, $"lies under the file {AFile}", T("--runs-dir", Path.Combine(AFile, "runs"))),
        new(1, "cannot write runs under /proc/lottery-runs", T("--runs-dir", "/proc/lottery-runs")),
        // Missing data, offline.
        new(1, "Dataset mnist not found", A("train", "--dataset", "mnist", "--data-root", "/nonexistent/data", "--iterations", "1it"), WithoutData: true),
        // Existing runs: names, replicates, levels, kinds.
        new(1, "the run name is empty", A("show", "")),
        new(1, "no run 'nosuchrun'", A("show", "nosuchrun")),
        new(1, "no run 'nosuchrun'", A("reinit", "nosuchrun")),
        new(1, "has replicates 1, 2, not 5", A("reinit", Run, "--replicate", "5"), NeedsRun: true),
        new(1, "has no level 3 yet", A("reinit", Run, "--levels", "3"), NeedsRun: true),
        new(1, "has no level 3 yet", A("continued", Run, "--levels", "1,3"), NeedsRun: true),
        new(1, "is in use by another lottery process", FixtureArgs, NeedsRun: true,
            Setup: run => Held.Add(RunLock.Acquire(Path.Combine(run, "replicate_2")))),
        // A branch locks its instances' directories: one held is refused before any other is begun (none left made).
        new(1, "is in use by another lottery process", A("reinit", Run, "--levels", "1"), NeedsRun: true,
            Setup: run => Held.Add(RunLock.Acquire(Path.Combine(Level(run, 2, 1), "branches", "reinit_1")))),
        // Damaged files: each named, with advice that works (tested in CliRecoveryTests).
        new(1, "manifest.json was edited", A("show", Run), NeedsRun: true,
            Setup: run => File.WriteAllText(Path.Combine(run, "manifest.json"), File.ReadAllText(Path.Combine(run, "manifest.json")).Replace("\"lr\": 0.0012", "\"lr\": 0.002"))),
        new(1, "manifest.json is corrupted", A("reinit", Run), NeedsRun: true, Setup: run => File.WriteAllText(Path.Combine(run, "manifest.json"), "{ not json")),
        new(1, "final.tsr is corrupted (checksum mismatch", A(FixtureArgs), NeedsRun: true, Setup: run => Corrupt(Path.Combine(Level(run, 1, 1), "final.tsr"))),
        new(1, "mask.tsr is corrupted", A(FixtureArgs), NeedsRun: true, Setup: run => Corrupt(Path.Combine(Level(run, 2, 1), "mask.tsr"))),
        new(1, "init.tsr is corrupted", F("--levels", "2", "--replicates", "2"), NeedsRun: true, Setup: run => Corrupt(Path.Combine(run, "replicate_1", "init.tsr"))),
        new(1, "summary.json is corrupted", A(FixtureArgs), NeedsRun: true, Setup: run => File.WriteAllText(Path.Combine(Level(run, 1, 0), "summary.json"), "{\"stage\":")),
        new(1, "metrics.csv is cut", A(FixtureArgs), NeedsRun: true,
            Setup: run => File.WriteAllLines(Path.Combine(Level(run, 1, 1), "metrics.csv"), File.ReadAllLines(Path.Combine(Level(run, 1, 1), "metrics.csv"))[..2])),
        new(1, "metrics.csv is corrupted (line 5)", A(FixtureArgs), NeedsRun: true,
            Setup: run => File.AppendAllText(Path.Combine(Level(run, 1, 1), "metrics.csv"), "40,0.1,zero,1,1,1\n")),
        new(1, "sparsity.json is corrupted", A(FixtureArgs), NeedsRun: true, Setup: run => File.WriteAllText(Path.Combine(Level(run, 2, 0), "sparsity.json"), "[1,2,3]")),
        new(1, "seeds.json is corrupted or edited", A(FixtureArgs), NeedsRun: true, Setup: run => File.WriteAllText(Path.Combine(run, "replicate_2", "seeds.json"), "{\"init\": 1}")),
    ];

    /// <summary>A finished 2-replicate run (levels 0–1) of LeNet on an MNIST subset, made once and copied per case.</summary>
    static readonly Lazy<(string Root, string Run)> Fixture = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "lottery-corpus-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        // Shared by every case of the run; removed when the test process ends.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { } };
        var result = CliRunner.Run(root, [.. FixtureArgs, "--json"], Env(root));
        Assert.True(result.ExitCode == 0, result.Stderr);
        return (root, JsonDocument.Parse(result.Stdout).RootElement.GetProperty("run").GetString()!);
    });

    /// <summary>Without data, the user cache (searched for datasets) is an empty folder outside the runs directory.</summary>
    static Dictionary<string, string> Env(string scratch, bool withData = true) => withData
        ? new() { ["LOTTERY_DATA"] = TestData.DatasetsRoot }
        : new() { ["XDG_CACHE_HOME"] = scratch };

    [Fact]
    public void EveryBadInputGetsOneErrorLineAndChangesNothing()
    {
        Assert.True(Cases.Length >= 60, $"{Cases.Length} cases");
        var failures = new ConcurrentBag<string>();
        Parallel.ForEach(Cases, new ParallelOptions { MaxDegreeOfParallelism = 4 }, c =>
        {
            try { Check(c); }
            catch (Exception e) { failures.Add($"`lottery {c}`: {e.Message}"); }
        });
        foreach (var l in Held) l.Dispose();
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Order()));
    }

    static void Check(Case c)
    {
        using var runs = new TempDir();
        using var scratch = new TempDir();
        var args = c.Args;
        if (c.NeedsRun)
        {
            var (root, run) = Fixture.Value;
            CopyDirectory(Path.Combine(root, run), Path.Combine(runs.Path, run));
            c.Setup?.Invoke(Path.Combine(runs.Path, run));
            args = args.Select(a => a == Run ? run : a).ToArray();
        }
        var before = Snapshot(runs.Path);
        var result = CliRunner.Run(runs.Path, args, Env(scratch.Path, !c.WithoutData));
        var lines = result.StderrLines;
        if (result.ExitCode is not (1 or 2) || result.ExitCode != c.Exit)
            throw new Exception($"exit {result.ExitCode}, expected {c.Exit}; stderr: {result.Stderr}");
        var errors = lines.Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        if (errors.Count != 1 || lines.Length != 1 && !lines.All(l => l.StartsWith("error: ") || l.StartsWith("data: ") || l.StartsWith("[")))
            throw new Exception($"expected one error line, got: {result.Stderr}");
        if (!errors[0].Contains(c.Message, StringComparison.Ordinal))
            throw new Exception($"'{errors[0]}' lacks '{c.Message}'");
        if (result.Stderr.Contains("   at ") || result.Stderr.Contains("unexpected", StringComparison.OrdinalIgnoreCase) && !c.Message.Contains("unexpected"))
            throw new Exception($"stack trace or unexpected error: {result.Stderr}");
        var after = Snapshot(runs.Path);
        var changed = before.Keys.Union(after.Keys).Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k)).ToList();
        if (changed.Count > 0) throw new Exception($"the runs directory changed: {string.Join(", ", changed)}");
    }

    /// <summary>Every file and directory under <paramref name="root"/> with its content hash. A replicate's lock file
    /// is compared by existence only: it holds the pid of the last process that looked at the replicate.</summary>
    static Dictionary<string, string> Snapshot(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).ToDictionary(
            p => Path.GetRelativePath(root, p),
            p => Directory.Exists(p) ? "dir" : Path.GetFileName(p) == "lock" ? "lock" : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))));

    static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
