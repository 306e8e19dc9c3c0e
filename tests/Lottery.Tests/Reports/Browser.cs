using System.Diagnostics;

namespace Lottery.Tests.Reports;

/// <summary>Debian's headless chromium (installed by .ci/run): loads a page from disk and returns the DOM after
/// the load event (in a window of the given size) and every message the page wrote to its console. A machine without chromium fails the test
/// (install it: apt-get install chromium), it does not skip it.</summary>
public static class Browser
{
    public static (string Dom, IReadOnlyList<string> Console) Load(string page, int width = 1280, int height = 900)
    {
        var exe = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        if (exe is null) Assert.Fail("chromium is not installed: apt-get install chromium (.ci/run does)");
        using var profile = new TempDir();
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile.Path}",
                     "--enable-logging=stderr", "--v=0", $"--window-size={width},{height}", "--virtual-time-budget=5000", "--dump-dom", new Uri(page).AbsoluteUri })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(true);
            Assert.Fail("chromium did not finish loading the page in 120 s");
        }
        var console = stderr.Result.Split('\n').Where(l => l.Contains(":CONSOLE")).ToList();
        return (stdout.Result, console);
    }
}
