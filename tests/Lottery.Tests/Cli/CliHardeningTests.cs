using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Lottery.Tests.Cli;

/// <summary>The program as a user meets it when things go wrong: runs that diverge, damaged files whose advice is
/// followed literally, a run that remembers its data, more threads than cores, and the live display at 80 columns.</summary>
public partial class CliHardeningTests
{
    static readonly string[] Quick = ["--dataset", "mnist", "--train-subset", "1200", "--eval-every", "20", "--threads", "1"];

    static Dictionary<string, string> Env => new() { ["LOTTERY_DATA"] = TestData.DatasetsRoot };

    [Fact]
    public void ADivergingRunFinishesItsStageRecordsItAndRefusesToPruneWithOneLine()
    {
        using var runs = new TempDir();
        string[] args = ["find", "--levels", "2", "--iterations", "100it", "--optimizer", "sgd", "--lr", "5", .. Quick];
        var find = CliRunner.Run(runs.Path, [.. args, "--json"], Env);
        Assert.Equal(1, find.ExitCode);
        var error = Assert.Single(find.StderrLines, l => l.StartsWith("error:"));
        Assert.Contains("level 0 diverged at iteration", error);
        Assert.Contains("--lr: replicate 1 level 0 diverged", error);
        Assert.Contains("DIVERGED at iteration", find.Stderr);
        Assert.DoesNotContain("unexpected", find.Stderr);
        Assert.Contains("\"error\"", find.Stdout);
        JsonDocument.Parse(find.Stdout);   // --json on failure: one valid JSON object

        var level0 = Directory.GetDirectories(runs.Path, "level_0", SearchOption.AllDirectories).Single();
        var metrics = File.ReadAllLines(Path.Combine(level0, "metrics.csv"));
        Assert.Contains(metrics.Skip(1), l => l.Split(',')[1] is "nan" or "inf");   // the metrics say so
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(level0, "summary.json"))).RootElement.GetProperty("outcome");
        int divergedAt = summary.GetProperty("diverged_at").GetInt32();
        Assert.Equal(summary.GetProperty("final_iteration").GetInt32(), divergedAt);   // training stopped there
        Assert.True(divergedAt % 20 == 0 && divergedAt <= 100);
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(level0)!, "level_1")));

        var run = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(level0))!);
        var show = CliRunner.Run(runs.Path, ["show", run], Env);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains($"diverged at {divergedAt}", show.Stdout);
        var json = CliRunner.Run(runs.Path, ["show", run, "--json"], Env);
        Assert.Equal(0, json.ExitCode);
        var ticket = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("rows")[0].GetProperty("ticket");
        Assert.Equal(divergedAt, ticket.GetProperty("diverged_at")[0].GetInt32());
        var list = CliRunner.Run(runs.Path, ["runs", "--json"], Env);
        Assert.Equal(1, JsonDocument.Parse(list.Stdout).RootElement.GetProperty("runs")[0].GetProperty("diverged_stages").GetInt32());

        // Dense training alone: exit 0, a valid JSON object with the divergence and null for the infinite loss.
        var train = CliRunner.Run(runs.Path, ["train", "--iterations", "60it", "--lr", "1e30", "--json", .. Quick], Env);
        Assert.Equal(0, train.ExitCode);
        var root = JsonDocument.Parse(train.Stdout).RootElement;
        Assert.Equal(JsonValueKind.Number, root.GetProperty("diverged_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("replicates")[0].GetProperty("final_test_loss").ValueKind);
    }

    [Fact]
    public void EveryDamagedFileSaysWhatToDoAndDoingItLiterallyWorks()
    {
        using var runs = new TempDir();
        string[] find = ["find", "--levels", "2", "--iterations", "40it", .. Quick];
        Assert.Equal(0, CliRunner.Run(runs.Path, find, Env).ExitCode);
        var run = Directory.GetDirectories(runs.Path).Single();
        string Level(int l) => Path.Combine(run, "replicate_1", $"level_{l}");
        var reference = File.ReadAllBytes(Path.Combine(Level(2), "final.tsr"));

        void Cut(string path) { var b = File.ReadAllBytes(path); File.WriteAllBytes(path, b[..(b.Length * 2 / 3)]); }
        var damage = new (string File, Action<string> Damage)[]
        {
            (Path.Combine(Level(1), "final.tsr"), Cut),
            (Path.Combine(Level(1), "mask.tsr"), Cut),
            (Path.Combine(Level(2), "start.tsr"), p => { Cut(p); File.Delete(Path.Combine(Level(2), "summary.json")); }),
            (Path.Combine(Level(0), "metrics.csv"), p => File.WriteAllLines(p, File.ReadAllLines(p)[..2])),
            (Path.Combine(Level(1), "sparsity.json"), p => File.WriteAllText(p, "garbage")),
            (Path.Combine(Level(2), "summary.json"), p => File.WriteAllText(p, "{\"stage\": ")),
            (Path.Combine(run, "replicate_1", "seeds.json"), p => File.WriteAllText(p, "[]")),
            (Path.Combine(run, "replicate_1", "init.tsr"), p => { Cut(p); File.Delete(Path.Combine(Level(2), "summary.json")); File.Delete(Path.Combine(Level(2), "start.tsr")); }),
        };
        foreach (var (file, harm) in damage)
        {
            harm(file);
            var failed = CliRunner.Run(runs.Path, find, Env);
            Assert.Equal(1, failed.ExitCode);
            var error = Assert.Single(failed.StderrLines, l => l.StartsWith("error:"));
            Assert.Contains(file, error);
            Assert.Contains("delete it and re-run", error);
            File.Delete(file);                                      // the advice, literally
            var again = CliRunner.Run(runs.Path, find, Env);
            Assert.True(again.ExitCode == 0, $"after deleting {file}: {again.Stderr}");
            Assert.Equal(reference, File.ReadAllBytes(Path.Combine(Level(2), "final.tsr")));   // the same results
        }
    }

    [Fact]
    public void ControlsFindTheDataWhereTheRunFoundItAndThreadsAreCapped()
    {
        using var runs = new TempDir();
        using var cache = new TempDir();
        var find = CliRunner.Run(runs.Path, ["find", "--levels", "1", "--iterations", "40it", "--json", .. Quick, "--data-root", TestData.DatasetsRoot], new Dictionary<string, string>());
        Assert.True(find.ExitCode == 0, find.Stderr);
        var run = JsonDocument.Parse(find.Stdout).RootElement.GetProperty("run").GetString()!;
        // No --data-root, no LOTTERY_DATA, an empty cache: the manifest's data root is where it looks.
        var reinit = CliRunner.Run(runs.Path, ["reinit", run, "--threads", "1000"], new Dictionary<string, string> { ["XDG_CACHE_HOME"] = cache.Path });
        Assert.True(reinit.ExitCode == 0, reinit.Stderr);
        Assert.Contains($"warning: --threads 1000 is more than this machine's {Environment.ProcessorCount} cores: using {Environment.ProcessorCount}", reinit.Stderr);
        Assert.Contains("reinit", reinit.Stdout);
    }

    [Fact]
    public async Task CtrlCSaysWhatWasKeptAndTheSameCommandResumes()
    {
        using var runs = new TempDir();
        string[] args = ["train", "--iterations", "1000it", "--checkpoint-every", "100", "--eval-every", "100",
            "--dataset", "mnist", "--train-subset", "1200", "--threads", "1"];
        // A process started in the background by a non-interactive shell (`bash .ci/run &`, nohup) inherits SIGINT ignored,
        // and lottery rightly keeps an ignored signal ignored: `env --default-signal=INT` gives the child Ctrl-C back, so
        // the test does not depend on how the suite was started (run so, it used to finish the 1000 iterations, exit 0).
        var info = CliRunner.StartInfo(runs.Path, args, Env);
        info.ArgumentList.Insert(0, info.FileName);
        info.ArgumentList.Insert(0, "--default-signal=INT");
        info.FileName = "env";
        using (var process = Process.Start(info)!)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < 60 && !process.HasExited &&
                   !Directory.EnumerateFiles(runs.Path, "checkpoint.tsr", SearchOption.AllDirectories).Any())
                Thread.Sleep(20);
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString()])) kill.WaitForExit();   // what Ctrl-C sends
            Assert.True(process.WaitForExit(30_000));
            var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(process.ExitCode == 130, $"exit {process.ExitCode} after SIGINT:\n{string.Join('\n', lines.TakeLast(3))}");
            var last = lines[^1];
            Assert.Matches(@"^interrupted: 0 stages finished; replicate 1 level 0 \(dense\) stopped at iteration \d+, its checkpoint at iteration \d+00 is kept; re-run the same command to continue", last);
        }
        var resumed = CliRunner.Run(runs.Path, [.. args, "--json"], Env);
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains("resuming from its checkpoint at iteration", resumed.Stderr);
        var stage = JsonDocument.Parse(resumed.Stdout).RootElement.GetProperty("replicates")[0];
        Assert.Equal(1000, stage.GetProperty("iterations_run").GetInt32());   // the stage as a whole
    }

    [GeneratedRegex(@"\x1b(\[[0-9;?]*[A-Za-z]|[=>])")]
    private static partial Regex AnsiEscape();

    /// <summary>Runs <paramref name="arguments"/> in a pseudo-terminal of 80 columns (`script`, util-linux) and
    /// returns the lines it printed, escape sequences removed.</summary>
    static List<string> InEightyColumns(string arguments, int timeoutMs = 180_000)
    {
        using var log = new TempDir();
        var typescript = Path.Combine(log.Path, "typescript");
        var command = $"stty cols 80 rows 24; exec dotnet {Quote(CliRunner.Dll)} {arguments}";
        var info = new ProcessStartInfo("script", ["-qfec", command, typescript]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["LOTTERY_OFFLINE"] = "1";
        info.Environment["TERM"] = "xterm";
        using (var process = Process.Start(info)!)
        {
            process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(timeoutMs), $"`{arguments}` did not finish in {timeoutMs / 1000} s");
            Assert.Equal(0, process.ExitCode);
        }
        var text = AnsiEscape().Replace(File.ReadAllText(typescript), "");
        return text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("Script ", StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public void TheLiveDisplayAndTheTablesFitAnEightyColumnTerminal()
    {
        using var runs = new TempDir();
        var lines = InEightyColumns($"find --levels 1 --iterations 1500it --eval-every 250 " +
                                    $"--dataset mnist --threads 1 --runs-dir {Quote(runs.Path)} --data-root {Quote(TestData.DatasetsRoot)}");
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        // The status line: stage, iteration/total, rate, ETA and validation accuracy, each labelled.
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\[2/2\] rep 1 level 1 · it \d+/1500 · \d+ it/s · ETA \d+:\d\d · val acc \d+\.\d\d%"));
        // One line per finished stage (wrapped lines continue with an indent).
        Assert.Equal(1, lines.Count(l => l.StartsWith("[1/2] replicate 1 level 0 (dense): done in", StringComparison.Ordinal)));
        Assert.Equal(1, lines.Count(l => l.StartsWith("[2/2] replicate 1 level 1: done in", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("level 1 ", StringComparison.Ordinal));   // the table at the end

        // `runs` and `presets` fit the terminal too: each row on one line, its last column (state; pruning) on it. A second
        // run of the same network with dropout: what tells the two apart goes on a line under each row (the terminal has no
        // width for a column of it); redirected, it is a column.
        var dropout = CliRunner.Run(runs.Path, ["find", "--levels", "1", "--iterations", "100it", "--eval-every", "50", "--dropout", "0.5", "--dataset", "mnist",
            "--threads", "1", "--runs-dir", runs.Path, "--data-root", TestData.DatasetsRoot]);
        Assert.True(dropout.ExitCode == 0, dropout.Stderr);
        var listing = InEightyColumns($"runs --runs-dir {Quote(runs.Path)}", 60_000);
        Assert.All(listing, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        var rows = listing.Select((l, i) => (Line: l, Index: i)).Where(x => x.Line.StartsWith("lottery_", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, x => Assert.Matches(@"\scomplete$", x.Line));
        Assert.Equal(["dropout 0.5", "no dropout"], rows.Select(x => listing[x.Index + 1]).Select(l => Assert.IsType<string>(l)).Select(l =>
        {
            Assert.StartsWith(new string(' ', 15), l);
            return l.Trim();
        }).Order(StringComparer.Ordinal));
        var redirected = CliRunner.Run(runs.Path, ["runs", "--runs-dir", runs.Path]).Stdout.Split('\n');
        Assert.Matches(@"^run\s+model\s+dataset\s+setup\s+reps\s+done", redirected[0]);
        Assert.Equal(2, redirected.Count(l => Regex.IsMatch(l, @"^lottery_\w+\s+lenet_300_100\s+mnist\s+(dropout 0\.5|no dropout)\s+1\s+levels 0–1\s")));
        var presets = InEightyColumns("presets", 60_000);
        Assert.All(presets, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        // Every preset's whole name starts a row (a name is what the user copies; the pruning column gives way).
        Assert.All(global::Lottery.Hparams.PresetRegistry.All, p => Assert.Single(presets, l => l.StartsWith(p.Name + " ", StringComparison.Ordinal)));
    }

    static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
