using System.CommandLine;
using System.Globalization;
using Lottery.Hparams;
using Lottery.Lottery;

namespace Lottery.Cli;

/// <summary>Flags about where and how a command runs, as opposed to what it computes.</summary>
public sealed class RunOptions
{
    public Option<string?> DataRoot { get; } = Flags.Text("--data-root", "Directory holding mnist/, fashion-mnist/, cifar-10-batches-bin/ (or set LOTTERY_DATA)");
    public Option<string?> RunsDir { get; } = Flags.Text("--runs-dir", "Where run directories live (or set LOTTERY_RUNS; default ./runs)");
    public Option<string> Device { get; } = new("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
    public Option<int?> Threads { get; } = Flags.Integer("--threads", "Intra-op threads (default: all cores; 1 per process when running replicates side by side)", min: 1);
    public Option<bool> Json { get; } = new("--json") { Description = "End by printing one JSON object (progress goes to stderr)" };
    public Option<int> CheckpointEvery { get; } = Flags.Integer("--checkpoint-every", "Iterations between checkpoints", 1000, min: 1);
    public Option<string?> Replicate { get; } = Flags.Text("--replicate", "Replicate number(s): 2, 1,3 or 1-3 (default 1; controls: all present)");
    public Option<int?> Replicates { get; } = Flags.Integer("--replicates", "Shorthand for --replicate 1-N", min: 1);

    public Option<bool> NoTensorBoard { get; } = new("--no-tensorboard") { Description = "Do not write TensorBoard event files (written by default under each stage's directory)" };
    public Option<string> Sparse { get; } = new("--sparse") { Description = "Pruned linear layers on sparse kernels: auto (where faster on this machine), on, off", DefaultValueFactory = _ => "auto" };

    public IEnumerable<Option> All => [DataRoot, RunsDir, Device, Threads, Json, CheckpointEvery, Replicate, Replicates, NoTensorBoard, Sparse];

    public IReadOnlyList<int>? ReplicateList(ParseResult p)
    {
        if (p.GetValue(Replicates) is int n)
        {
            if (p.GetValue(Replicate) is not null)
                throw new HparamsException("--replicate and --replicates both name replicates: give one of them (--replicates N is --replicate 1-N)");
            if (n > 10_000) throw new HparamsException($"--replicates {n} is more than 10000: give fewer");
            return Enumerable.Range(1, n).ToList();
        }
        return p.GetValue(Replicate) is { } text ? ParseIntList(text, "--replicate", 1) : null;
    }

    /// <summary>"2", "1,3", "1-3" → numbers, each at least <paramref name="min"/>.</summary>
    public static IReadOnlyList<int> ParseIntList(string text, string flag, int min)
    {
        var result = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-');
            bool ok = range.Length switch
            {
                1 => int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var a) && Add(a, a),
                2 => int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var lo)
                     && int.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out var hi) && lo <= hi && Add(lo, hi),
                _ => false,
            };
            if (!ok) throw new HparamsException($"malformed {flag} '{text}': write numbers ≥ {min} like 2, 1,3 or 1-3");
        }
        if (result.Count == 0) throw new HparamsException($"{flag} names nothing");
        return result.ToList();

        bool Add(int lo, int hi)
        {
            if (lo < min) return false;
            if (hi - lo > 10_000) return false;
            for (int i = lo; i <= hi; i++) result.Add(i);
            return true;
        }
    }

    /// <param name="recordedDataRoot">Where an existing run found its data (its manifest), searched after LOTTERY_DATA.</param>
    public RunEnvironment Environment(ParseResult p, ConsoleProgress progress, string? recordedDataRoot = null)
    {
        var device = CliRuntime.SetUp(p.GetValue(Device)!, p.GetValue(Threads));
        var sparse = global::Lottery.Sparse.SparseModes.Parse(p.GetValue(Sparse)!);
        return new RunEnvironment(CliRuntime.WritableRunsRoot(p.GetValue(RunsDir)),
            CliRuntime.DataLoader(p.GetValue(DataRoot), recordedDataRoot, device, progress), progress, p.GetValue(CheckpointEvery),
            CliRuntime.Versions(), progress.Cancellation, !p.GetValue(NoTensorBoard), CheckpointAndStop: progress.CheckpointAndStop, Sparse: sparse);
    }
}
