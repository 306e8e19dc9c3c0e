using Lottery.Data;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Native;
using TorchSharp;

namespace Lottery.Cli;

/// <summary>Process-wide setup shared by the commands: threads, device, data loading, versions, runs root.</summary>
public static class CliRuntime
{
    /// <summary>The runs root: --runs-dir, else LOTTERY_RUNS, else ./runs. A file in its place is refused.</summary>
    public static string RunsRoot(string? given)
    {
        if (given is not null && string.IsNullOrWhiteSpace(given)) throw new HparamsException("--runs-dir is empty: give a directory");
        var root = Path.GetFullPath(given ?? (Environment.GetEnvironmentVariable("LOTTERY_RUNS") is { Length: > 0 } env && !string.IsNullOrWhiteSpace(env) ? env : "runs"));
        var origin = given is not null ? "--runs-dir" : Environment.GetEnvironmentVariable("LOTTERY_RUNS") is { Length: > 0 } ? "LOTTERY_RUNS" : "the default runs directory";
        if (File.Exists(root)) throw new HparamsException($"{origin} {root} is a file, not a directory: give a directory with --runs-dir or LOTTERY_RUNS");
        for (var parent = Path.GetDirectoryName(root); parent is not null; parent = Path.GetDirectoryName(parent))
            if (File.Exists(parent)) throw new HparamsException($"{origin} {root} lies under the file {parent}: give a directory with --runs-dir or LOTTERY_RUNS");
        return root;
    }

    /// <summary>The runs root of a command that writes: it must be a directory this process can write to (checked by
    /// creating and removing a probe file, so nothing is left), or creatable.</summary>
    public static string WritableRunsRoot(string? given)
    {
        var root = RunsRoot(given);
        var existing = root;
        while (!Directory.Exists(existing)) existing = Path.GetDirectoryName(existing) ?? "/";
        var probe = Path.Combine(existing, $".lottery-write-probe.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (File.Create(probe)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HparamsException($"cannot write runs under {root} ({existing} is not writable: {e.Message.TrimEnd('.')}): choose another with --runs-dir or LOTTERY_RUNS");
        }
        return root;
    }

    public static torch.Device SetUp(string device, int? threads)
    {
        TorchNativeLoader.EnsureLoaded();
        if (threads is int n)
        {
            if (n < 1) throw new HparamsException($"--threads must be at least 1 (got {n})");
            if (n > Environment.ProcessorCount)
            {
                Console.Error.WriteLine($"warning: --threads {n} is more than this machine's {Environment.ProcessorCount} cores: using {Environment.ProcessorCount}");
                n = Environment.ProcessorCount;
            }
            torch.set_num_threads(n);
        }
        return device switch
        {
            "cpu" => torch.CPU,
            // The whole-arena tensor path runs on any device; this build ships the CPU backend, so CUDA is there only
            // when the program is built against TorchSharp-cuda-linux (README: "On a GPU").
            "cuda" => torch.cuda.is_available() ? torch.CUDA
                : throw new HparamsException("--device cuda: CUDA is not available (this program references TorchSharp-cpu; build it with -p:TorchBackend=TorchSharp-cuda-linux and run on a GPU machine)"),
            _ => throw new HparamsException($"unknown device '{device}': use cpu or cuda"),
        };
    }

    public static Func<DatasetHparams, SplitData> DataLoader(string? dataRoot, string? recordedRoot, torch.Device device, ILotteryObserver observer) =>
        Api.Experiment.RegistryLoader(dataRoot, recordedRoot, device, observer);

    public static IReadOnlyDictionary<string, string> Versions() => Api.Experiment.Versions();
}
