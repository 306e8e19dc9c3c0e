using System.CommandLine;
using System.Globalization;
using Lottery.Hparams;
using Lottery.Lottery;

namespace Lottery.Cli;

/// <summary>Flags about where and how a command runs, as opposed to what it computes.</summary>
public sealed class RunOptions
{
    public Option<string?> DataRoot { get; } = new("--data-root") { Description = "Directory holding mnist/, fashion-mnist/, cifar-10-batches-bin/ (or set LOTTERY_DATA)" };
    public Option<string?> RunsDir { get; } = new("--runs-dir") { Description = "Where run directories live (or set LOTTERY_RUNS; default ./runs)" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
    public Option<int?> Threads { get; } = new("--threads") { Description = "Intra-op threads (default: all cores; 1 per process when running replicates side by side)" };
    public Option<bool> Json { get; } = new("--json") { Description = "End by printing one JSON object (progress goes to stderr)" };
    public Option<int> CheckpointEvery { get; } = new("--checkpoint-every") { Description = "Iterations between checkpoints", DefaultValueFactory = _ => 1000 };
    public Option<string?> Replicate { get; } = new("--replicate") { Description = "Replicate number(s): 2, 1,3 or 1-3 (default 1; controls: all present)" };
    public Option<int?> Replicates { get; } = new("--replicates") { Description = "Shorthand for --replicate 1-N" };

    public IEnumerable<Option> All => [DataRoot, RunsDir, Device, Threads, Json, CheckpointEvery, Replicate, Replicates];

    public IReadOnlyList<int>? ReplicateList(ParseResult p)
    {
        if (p.GetValue(Replicates) is int n)
        {
            if (n < 1) throw new HparamsException($"--replicates must be at least 1 (got {n})");
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
            for (int i = lo; i <= hi; i++) result.Add(i);
            return true;
        }
    }

    public RunEnvironment Environment(ParseResult p, ConsoleProgress progress)
    {
        var device = CliRuntime.SetUp(p.GetValue(Device)!, p.GetValue(Threads));
        int checkpointEvery = p.GetValue(CheckpointEvery);
        if (checkpointEvery < 1) throw new HparamsException($"--checkpoint-every must be at least 1 (got {checkpointEvery})");
        return new RunEnvironment(CliRuntime.RunsRoot(p.GetValue(RunsDir)),
            CliRuntime.DataLoader(p.GetValue(DataRoot), device, progress), progress, checkpointEvery, CliRuntime.Versions(p.GetValue(Threads)));
    }
}
