using System.Reflection;
using System.Runtime.InteropServices;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Native;
using TorchSharp;

namespace Lottery.Cli;

/// <summary>Process-wide setup shared by the commands: threads, device, data loading, versions, runs root.</summary>
public static class CliRuntime
{
    public static string RunsRoot(string? given) =>
        Path.GetFullPath(given ?? (Environment.GetEnvironmentVariable("LOTTERY_RUNS") is { Length: > 0 } env ? env : "runs"));

    public static torch.Device SetUp(string device, int? threads)
    {
        TorchNativeLoader.EnsureLoaded();
        if (threads is int n)
        {
            if (n < 1) throw new HparamsException($"--threads must be at least 1 (got {n})");
            torch.set_num_threads(n);
        }
        return device switch
        {
            "cpu" => torch.CPU,
            "cuda" => throw new HparamsException(torch.cuda.is_available()
                ? "--device cuda: the fused CPU training loop of this build keeps parameters in host memory; CUDA training is not supported yet"
                : "--device cuda: CUDA is not available (this program references TorchSharp-cpu; reference TorchSharp-cuda-linux and run on a GPU machine)"),
            _ => throw new HparamsException($"unknown device '{device}': use cpu or cuda"),
        };
    }

    public static Func<DatasetHparams, SplitData> DataLoader(string? dataRoot, torch.Device device, ILotteryObserver observer) => hparams =>
    {
        var options = DataOptions.FromEnvironment() with { Log = observer.OnMessage };
        var raw = DatasetLoader.Load(hparams.Dataset, dataRoot, options);
        observer.OnMessage($"data: {hparams.Dataset} from {raw.Root}");
        return SplitData.Create(raw, hparams, device);
    };

    public static IReadOnlyDictionary<string, string> Versions(int? threads) => new Dictionary<string, string>
    {
        ["lottery"] = typeof(CliRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?",
        ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString() ?? "?",
        ["libtorch"] = torch.__version__,
        ["dotnet"] = Environment.Version.ToString(),
        ["os"] = RuntimeInformation.OSDescription,
        ["threads"] = (threads ?? torch.get_num_threads()).ToString(),
        ["cores"] = Environment.ProcessorCount.ToString(),
        ["native_loader"] = TorchNativeLoader.Status,
    };
}
