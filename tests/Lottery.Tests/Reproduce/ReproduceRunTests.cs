using System.Text.Json;
using System.Text.RegularExpressions;
using Lottery.Tests.Cli;

namespace Lottery.Tests.Reproduce;

/// <summary>
/// `lottery reproduce` for real, at the smoke scale of the LeNet recipe: a run made by hand first is reused, the rest
/// runs as child processes two at a time, the report is laid out as the paper's figures with the paper's numbers, and
/// running it again computes nothing. The dry run and the Slurm dry run write nothing.
/// </summary>
public sealed class ReproduceRunTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    string RunsDir => Path.Combine(_dir.Path, "runs");
    string OutDir => Path.Combine(_dir.Path, "out");
    string[] Roots => ["--runs-dir", RunsDir, "--data-root", TestData.DatasetsRoot];

    static JsonElement Json(CliRunner.Result r) => JsonDocument.Parse(r.Stdout).RootElement;

    static Dictionary<string, DateTime> SummaryTimes(string root) =>
        Directory.EnumerateFiles(root, "summary.json", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);

    [Fact]
    public void ARecipeReusesAHandMadeRunRunsTheRestLaysOutItsReportAndARerunComputesNothing()
    {
        // By hand: the recipe's first step, replicate 1, exactly as `reproduce lenet --scale smoke --dry-run` prints it.
        var byHand = CliRunner.Run(_dir.Path, ["find", "--preset", "lenet_mnist", "--iterations", "300it", "--eval-every", "100", "--train-subset", "2000",
            "--levels", "2", "--replicate", "1", "--threads", "1", "--json", .. Roots], timeoutSeconds: 300);
        Assert.True(byHand.ExitCode == 0, byHand.Stderr);
        var handRun = Json(byHand).GetProperty("run_dir").GetString()!;
        var handTimes = SummaryTimes(handRun);
        Assert.Equal(3, handTimes.Count);

        var first = CliRunner.Run(_dir.Path, ["reproduce", "lenet", "--scale", "smoke", "--out", OutDir, "--jobs", "2", "--json", .. Roots], timeoutSeconds: 600);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var json = Json(first);
        var outcomes = json.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("id").GetString()!, j => j.GetProperty("outcome").GetString()!);
        Assert.Equal(new Dictionary<string, string>
        {
            ["iterative.r1"] = "reused", ["iterative.reinit.r1"] = "done", ["iterative.random_pruning.r1"] = "done",
            ["oneshot.r1"] = "done", ["oneshot.reinit.r1"] = "done", ["report"] = "done",
        }, outcomes);
        Assert.Equal(handRun, json.GetProperty("run_dirs")[0].GetString());
        Assert.Equal(handTimes, SummaryTimes(handRun).Where(kv => handTimes.ContainsKey(kv.Key)).ToDictionary());   // its stages untouched
        // 3 + 1 + 1 trunk and branch stages in the iterative run, 2 + 1 in the one-shot run.
        Assert.Equal(5, SummaryTimes(handRun).Count);
        var oneshot = json.GetProperty("run_dirs")[1].GetString()!;
        Assert.StartsWith("oneshot_", Path.GetFileName(oneshot));
        Assert.Equal(3, SummaryTimes(oneshot).Count);
        // Each child's output is in its log; the report was written by a child of its own, after every other job.
        Assert.Contains("done in", File.ReadAllText(Path.Combine(OutDir, "logs", "oneshot.r1.log")));
        Assert.StartsWith("# ", File.ReadAllText(Path.Combine(OutDir, "logs", "report.log")));
        Assert.Contains($"lottery reproduce lenet --scale smoke --replicates 1 --report-only --out {OutDir} ", File.ReadAllText(Path.Combine(OutDir, "logs", "report.log")));
        Assert.Contains("report: writing the report", first.Stderr);
        // Last and alone, without --threads given, the report measures on every core.
        var reportCommand = File.ReadLines(Path.Combine(OutDir, "logs", "report.log")).First();
        Assert.DoesNotContain("--threads", reportCommand);
        Assert.Contains("--threads 1", File.ReadLines(Path.Combine(OutDir, "logs", "oneshot.r1.log")).First());

        // The report: what it reproduces, the paper's numbers beside ours, the paper's figures in its order.
        var table = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutDir, "table.json"))).RootElement.GetProperty("recipe");
        Assert.Equal("lenet", table.GetProperty("name").GetString());
        Assert.Equal("smoke", table.GetProperty("scale").GetString());
        Assert.Equal(9, table.GetProperty("paper_against_ours").GetArrayLength());
        Assert.All(table.GetProperty("paper_against_ours").EnumerateArray(), c => Assert.False(string.IsNullOrEmpty(c.GetProperty("ours").GetString())));
        Assert.Equal(["Figure 1 (LeNet)", "Figure 3", "Figure 4"], table.GetProperty("panels").EnumerateArray().Select(p => p.GetProperty("paper_figure").GetString()!));
        var dense = table.GetProperty("paper_against_ours")[0];
        Assert.Equal("about 98%", dense.GetProperty("paper").GetString());
        Assert.Matches(@"^\d\d\.\d\d% \(1 replicate\)$", dense.GetProperty("ours").GetString()!);
        // The speed-up is said as a bound exactly when the dense network's early stop is its run's last measurement.
        var denseRow = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutDir, "table.json"))).RootElement.GetProperty("rows").EnumerateArray()
            .First(r => r.GetProperty("kind").GetString() == "dense");
        var speedUp = table.GetProperty("paper_against_ours").EnumerateArray().First(c => c.GetProperty("quantity").GetString()!.StartsWith("Largest early-stop speed-up", StringComparison.Ordinal))
            .GetProperty("ours").GetString()!;
        Assert.Equal(denseRow.GetProperty("early_stops_at_end_val_loss").GetInt32() > 0, Regex.IsMatch(speedUp, "^(at least|not measured)"));
        var html = File.ReadAllText(Path.Combine(OutDir, "report.html"));
        int f1 = html.IndexOf("<h3>Figure 1 (LeNet)</h3>", StringComparison.Ordinal), f3 = html.IndexOf("<h3>Figure 3</h3>", StringComparison.Ordinal),
            f4 = html.IndexOf("<h3>Figure 4</h3>", StringComparison.Ordinal);
        Assert.True(f1 > 0 && f1 < f3 && f3 < f4, "the panels in the paper's order");
        Assert.True(html.IndexOf("<figure id=\"test_accuracy_curves_1\">", StringComparison.Ordinal) is var curves && curves > f3 && curves < f4, "Figure 3's curves under its heading");
        Assert.Contains("See <a href=\"#early_stop_iteration\">", html[f4..]);   // drawn once, under Figure 1, linked from Figure 4
        Assert.Contains("What this reproduces", html);
        Assert.Contains("lottery reproduce lenet --scale smoke", html);
        Assert.StartsWith("### LeNet-300-100 on MNIST", File.ReadAllText(Path.Combine(OutDir, "summary.md")));

        // A branch attached by hand to the recipe's run is the run's, not the recipe's: the recipe's report leaves it out.
        var shuffle = CliRunner.Run(_dir.Path, ["shuffle", handRun, "--levels", "2", "--threads", "1", .. Roots], timeoutSeconds: 300);
        Assert.True(shuffle.ExitCode == 0, shuffle.Stderr);

        // Again: every job's stages are finished, so nothing starts and nothing is written but the report.
        var before = SummaryTimes(RunsDir);
        var again = CliRunner.Run(_dir.Path, ["reproduce", "lenet", "--scale", "smoke", "--out", OutDir, "--json", .. Roots], timeoutSeconds: 300);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.All(Json(again).GetProperty("jobs").EnumerateArray(), j => Assert.Equal(j.GetProperty("id").GetString() == "report" ? "done" : "reused", j.GetProperty("outcome").GetString()));
        Assert.Equal(5, Regex.Matches(again.Stderr, "finished already, nothing to run").Count);
        Assert.DoesNotContain("started", again.Stderr);
        Assert.Equal(before, SummaryTimes(RunsDir));
        var kinds = Json(again).GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["dense", "iterative", "iterative", "reinit", "random_pruning", "dense", "oneshot", "reinit"], kinds);

        // Another machine, or a later working session on an empty one: the runs' results without weights (as the gallery
        // commits them under docs/*/runs) count as finished. The report redrawn from them has the same rows, and a second
        // replicate added there trains only itself.
        var copy = Path.Combine(_dir.Path, "results-only");
        CopyResultsOnly(RunsDir, copy);
        Assert.Empty(Directory.EnumerateFiles(copy, "*.tsr", SearchOption.AllDirectories));
        string[] copyRoots = ["--runs-dir", copy, "--data-root", TestData.DatasetsRoot];
        var redrawn = CliRunner.Run(_dir.Path, ["reproduce", "lenet", "--scale", "smoke", "--report-only", "--out", Path.Combine(_dir.Path, "out2"), "--json", .. copyRoots], timeoutSeconds: 300);
        Assert.True(redrawn.ExitCode == 0, redrawn.Stderr);
        static string Rows(CliRunner.Result r, string runs) => Json(r).GetProperty("rows").GetRawText().Replace(runs, "RUNS");
        Assert.Equal(Rows(again, RunsDir), Rows(redrawn, copy));
        var more = CliRunner.Run(_dir.Path, ["reproduce", "lenet", "--scale", "smoke", "--replicates", "2", "--dry-run", "--json", .. copyRoots]);
        Assert.True(more.ExitCode == 0, more.Stderr);
        var plan = Json(more).GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("id").GetString()!,
            j => (Stages: j.GetProperty("stages").GetInt32(), Finished: j.GetProperty("finished_stages").GetInt32()));
        Assert.Equal(10, plan.Count);
        Assert.All(plan.Where(p => p.Key.EndsWith(".r1")), p => Assert.Equal(p.Value.Stages, p.Value.Finished));
        Assert.All(plan.Where(p => p.Key.EndsWith(".r2")), p => Assert.Equal(0, p.Value.Finished));
        Assert.Equal(5, plan.Count(p => p.Key.EndsWith(".r2")));
        // The smoke scale's note counts its own single replicate; a plan of 2 says what it runs.
        Assert.EndsWith(" Run with 2 replicates (--replicates 2), not the 1 this note counts.", Json(more).GetProperty("note").GetString());
        Assert.DoesNotContain("this note counts", Json(redrawn).GetRawText());
    }

    /// <summary>A runs directory as docs/README.md copies it into the gallery: without tensors (weights, masks), TensorBoard
    /// files, locks and checkpoints.</summary>
    static void CopyResultsOnly(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            var name = Path.GetFileName(file);
            if (name.EndsWith(".tsr", StringComparison.Ordinal) || name.StartsWith("lock", StringComparison.Ordinal) || name.StartsWith("checkpoint", StringComparison.Ordinal)
                || relative.Split(Path.DirectorySeparatorChar).Contains("tensorboard"))
                continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, relative))!);
            File.Copy(file, Path.Combine(to, relative));
        }
    }

    [Fact]
    public void TheDryRunPrintsEveryJobWithWhatIsFinishedAndWritesNothing()
    {
        var r = CliRunner.Run(_dir.Path, ["reproduce", "conv2", "--scale", "cpu", "--dry-run", "--out", OutDir, .. Roots]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.Split('\n');
        Assert.Equal(6, lines.Count(l => Regex.IsMatch(l, @"^iterative(\.reinit|\.random_pruning)?\.r[12]: \d stages? \(none finished\)")));
        Assert.Contains("  lottery find --preset conv2_cifar10 --iterations 3000it --eval-every 500 --test-every 1500 --conv-rate 0.271 --fc-rate 0.488 --output-rate 0.271 --levels 4 --replicate 2 ", r.Stdout);
        Assert.Contains("iterative.reinit.r2: 2 stages (none finished), after iterative.r2, ~", r.Stdout);
        Assert.Matches(@"6 jobs, 18 stages \(0 finished\); projected on \d+ workers?: ", r.Stdout);
        Assert.False(Directory.Exists(RunsDir));
        Assert.False(Directory.Exists(OutDir));
    }

    [Fact]
    public void UnderSlurmEveryStepIsAnArrayAfterItsTrunkAndTheReportComesLast()
    {
        var r = CliRunner.Run(_dir.Path, ["slurm", "reproduce", "lenet", "--scale", "smoke", "--dry-run", "--out", OutDir, "--time", "1:00:00", .. Roots]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var o = r.Stdout;
        Assert.Equal(6, o.Split("#!/bin/bash").Length - 1);   // five steps and the report
        foreach (var line in new[]
        {
            "iterative_job=$(sbatch --parsable ",
            "iterative_reinit_job=$(sbatch --parsable --dependency=aftercorr:$iterative_job --kill-on-invalid-dep=yes ",
            // The second branch on the same run waits only for its trunk: each branch locks its own directories.
            "iterative_random_pruning_job=$(sbatch --parsable --dependency=aftercorr:$iterative_job --kill-on-invalid-dep=yes ",
            "oneshot_reinit_job=$(sbatch --parsable --dependency=aftercorr:$oneshot_job --kill-on-invalid-dep=yes ",
            "report_job=$(sbatch --parsable --dependency=afterany:$iterative_job:$iterative_reinit_job:$iterative_random_pruning_job:$oneshot_job:$oneshot_reinit_job --kill-on-invalid-dep=yes ",
            "#SBATCH --time=1:00:00", "#SBATCH --array=1",
            "reproduce lenet --scale smoke --replicates 1 --report-only --out ",
        })
            Assert.Contains(line, o);
        Assert.Contains("--replicate \"$task\"", o);
        Assert.False(Directory.Exists(RunsDir));   // nothing written
        Assert.False(Directory.Exists(OutDir));
    }

    [Fact]
    public void ListDescribesEveryRecipeAtEveryScale()
    {
        var r = CliRunner.Run(_dir.Path, ["reproduce", "--list", "--json"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var recipes = Json(r).GetProperty("recipes").EnumerateArray().ToList();
        Assert.Equal(global::Lottery.Cli.Reproduce.RecipeRegistry.All.Select(x => x.Name), recipes.Select(x => x.GetProperty("name").GetString()));
        foreach (var recipe in recipes)
            foreach (var scale in new[] { "paper", "cpu", "smoke" })
            {
                var s = recipe.GetProperty("scales").GetProperty(scale);
                Assert.True(s.GetProperty("stages").GetInt32() > 0);
                Assert.True(s.GetProperty("projected_seconds").GetDouble() > 0);
                Assert.False(string.IsNullOrEmpty(s.GetProperty("note").GetString()));
            }
        // The paper's scale is the larger.
        Assert.All(recipes, x => Assert.True(x.GetProperty("scales").GetProperty("paper").GetProperty("projected_seconds").GetDouble()
                                             > x.GetProperty("scales").GetProperty("cpu").GetProperty("projected_seconds").GetDouble()));
    }
}
