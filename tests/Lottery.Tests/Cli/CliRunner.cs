using System.Diagnostics;

namespace Lottery.Tests.Cli;

/// <summary>Runs the real `lottery` program (Lottery.Cli.dll beside the test binaries) as a child process.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "Lottery.Cli.dll");

    public static ProcessStartInfo StartInfo(string runsDir, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["LOTTERY_RUNS"] = runsDir;
        info.Environment["LOTTERY_OFFLINE"] = "1";
        info.Environment.Remove("LOTTERY_DATA");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) info.Environment[k] = v;
        return info;
    }

    public static Result Run(string runsDir, IEnumerable<string> args, IDictionary<string, string>? env = null, int timeoutSeconds = 120)
    {
        using var process = Process.Start(StartInfo(runsDir, args, env))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(true);
            Assert.Fail($"lottery {string.Join(' ', args)} did not finish in {timeoutSeconds}s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
