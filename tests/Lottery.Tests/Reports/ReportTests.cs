using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Lottery.Reports;
using Lottery.Tests.Cli;

namespace Lottery.Tests.Reports;

/// <summary>`lottery report` on real runs: its tables equal what the metrics files say (recomputed here
/// independently), its figures are valid images, its page passes a real browser, and bad or partial runs are
/// reported in one line or shown as far as they got.</summary>
public class ReportTests(ReportFixture f) : IClassFixture<ReportFixture>
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    sealed record Row(int Iteration, double? TrainLoss, double ValLoss, double ValAcc, double? TestAcc);

    static List<Row> Metrics(string dir) => File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Skip(1).Select(l =>
    {
        var c = l.Split(',');
        double? N(string s) => s == "" ? null : double.Parse(s, Inv);
        return new Row(int.Parse(c[0], Inv), N(c[1]), N(c[2])!.Value, N(c[3])!.Value, N(c[5]));
    }).ToList();

    /// <summary>Every finished stage of a run directory with the (kind, stage) key the table uses.</summary>
    static IEnumerable<(string Kind, string Stage, string Dir)> Stages(string run, bool oneshot)
    {
        foreach (var rep in Directory.GetDirectories(run, "replicate_*"))
        {
            foreach (var level in Directory.GetDirectories(rep, "level_*"))
            {
                var n = int.Parse(Path.GetFileName(level)["level_".Length..], Inv);
                yield return (n == 0 ? "dense" : "iterative", $"level {n}", level);
                var controls = Path.Combine(level, "branches");
                if (Directory.Exists(controls))
                    foreach (var c in Directory.GetDirectories(controls, "reinit_*")) yield return ("reinit", $"level {n}", c);
            }
            if (oneshot)
                foreach (var t in Directory.GetDirectories(rep, "target_*"))
                    yield return ("oneshot", $"one-shot {Path.GetFileName(t)["target_".Length..]}%", t);
        }
    }

    [Fact]
    public void TableNumbersEqualThoseRecomputedFromTheMetricsFiles()
    {
        var csv = File.ReadAllLines(Path.Combine(f.Out, "table.csv"));
        var header = SplitCsv(csv[0]);
        int Col(string name) => Array.IndexOf(header, name);
        var rows = csv.Skip(1).Select(SplitCsv).ToList();
        // Iterative run: dense + 2 levels + 2 reinit rows; one-shot run: dense + 2 targets.
        Assert.Equal(8, rows.Count);
        int checkedRows = 0;
        foreach (var (runName, oneshot) in new[] { (f.Lottery, false), (f.OneShot, true) })
        {
            var run = Path.Combine(f.Runs, runName);
            foreach (var group in Stages(run, oneshot).GroupBy(s => (s.Kind, s.Stage)))
            {
                var row = Assert.Single(rows, r => r[Col("kind")] == group.Key.Kind && r[Col("stage")] == group.Key.Stage
                    && r[0].Contains(oneshot ? "one-shot" : "iterative"));
                var metrics = group.Select(s => Metrics(s.Dir)).ToList();
                Assert.Equal(metrics.Count, int.Parse(row[Col("stages")], Inv));
                // Early stop: the first minimum of the validation loss / the first maximum of the validation accuracy.
                var byLoss = metrics.Select(m => m.Aggregate((a, b) => b.ValLoss < a.ValLoss ? b : a)).ToList();
                var byAcc = metrics.Select(m => m.Aggregate((a, b) => b.ValAcc > a.ValAcc ? b : a)).ToList();
                void Expect(string column, IEnumerable<double> values)
                {
                    var v = values.ToList();
                    Assert.Equal(v.Average(), double.Parse(row[Col(column + "_mean")], Inv));
                    Assert.Equal(v.Min(), double.Parse(row[Col(column + "_min")], Inv));
                    Assert.Equal(v.Max(), double.Parse(row[Col(column + "_max")], Inv));
                }
                Expect("early_stop_iteration_val_loss", byLoss.Select(r => (double)r.Iteration));
                Expect("early_stop_iteration_val_acc", byAcc.Select(r => (double)r.Iteration));
                Expect("test_accuracy_at_early_stop_val_loss", byLoss.Select(r => r.TestAcc!.Value));
                Expect("test_accuracy_at_early_stop_val_acc", byAcc.Select(r => r.TestAcc!.Value));
                Expect("final_test_accuracy", metrics.Select(m => m[^1].TestAcc!.Value));
                // Censored early stops: how many stages have their best measurement as their last one.
                Assert.Equal(byLoss.Zip(metrics).Count(x => x.First.Iteration == x.Second[^1].Iteration), int.Parse(row[Col("early_stops_at_end_val_loss")], Inv));
                Assert.Equal(byAcc.Zip(metrics).Count(x => x.First.Iteration == x.Second[^1].Iteration), int.Parse(row[Col("early_stops_at_end_val_acc")], Inv));
                // Training accuracy: measured from final.tsr, kept beside it, and the table's figure is that.
                Expect("final_train_accuracy", group.Select(s =>
                    JsonDocument.Parse(File.ReadAllText(Path.Combine(s.Dir, "train_accuracy.json"))).RootElement.GetProperty("accuracy").GetDouble()));
                var percent = group.Select(s => JsonDocument.Parse(File.ReadAllText(Path.Combine(s.Dir, "summary.json"))).RootElement
                    .GetProperty("percent_remaining").GetDouble()).Average();
                Assert.Equal(percent, double.Parse(row[Col("percent_remaining")], Inv));
                checkedRows++;
            }
        }
        Assert.Equal(8, checkedRows);
        // Level 1 keeps exactly the mask's share: 80% of fc1 and fc2, 90% of the output layer.
        var level1 = rows.Single(r => r[Col("kind")] == "iterative" && r[Col("stage")] == "level 1");
        Assert.Equal(100.0 * (188_160 + 24_000 + 900) / 266_200, double.Parse(level1[Col("percent_remaining")], Inv), 9);

        // The JSON and Markdown tables say the same.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(f.Out, "table.json")));
        var jrows = json.RootElement.GetProperty("rows");
        Assert.Equal(8, jrows.GetArrayLength());
        var md = File.ReadAllLines(Path.Combine(f.Out, "table.md")).Where(l => l.StartsWith("| ")).ToList();
        Assert.Equal(1 + 8, md.Count);
        var reinitRow = rows.First(r => r[Col("kind")] == "reinit");
        var mdRow = md.Single(l => l.Contains("random reinitialization") && l.Contains(reinitRow[Col("stage")]));
        Assert.Contains((double.Parse(reinitRow[Col("final_test_accuracy_mean")], Inv) * 100).ToString("0.00", Inv), mdRow);
    }

    /// <summary>`lottery show` marks an early stop at a stage's last measurement (the validation loss still falling) per
    /// cell, counted as the metrics files say (recomputed here), with one line saying what the mark means.</summary>
    [Fact]
    public void ShowMarksEarlyStopsAtTheStagesLastMeasurement()
    {
        var shown = CliRunner.Run(f.Runs, ["show", f.Lottery, "--json"], ReportFixture.Env);
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        var rows = JsonDocument.Parse(shown.Stdout).RootElement.GetProperty("rows").EnumerateArray().ToList();
        int marked = 0, markedCells = 0;
        foreach (var group in Stages(Path.Combine(f.Runs, f.Lottery), oneshot: false).GroupBy(s => (Series: s.Kind == "reinit" ? "reinit" : "ticket", s.Stage)))
        {
            var expected = group.Count(s =>
            {
                var m = Metrics(s.Dir);
                return m.Aggregate((a, b) => b.ValLoss < a.ValLoss ? b : a).Iteration == m[^1].Iteration;
            });
            var cell = rows.Single(r => r.GetProperty("stage").GetString() == group.Key.Stage).GetProperty(group.Key.Series);
            Assert.Equal(expected, cell.GetProperty("early_stops_at_end").GetInt32());
            marked += expected;
            if (expected > 0) markedCells++;
        }
        // The fixture's 80-iteration stages are still learning: some stop at their end (seeded, so always the same ones).
        Assert.True(marked > 0, "no stage of the fixture stops at its last measurement: the test checks nothing");
        var text = CliRunner.Run(f.Runs, ["show", f.Lottery], ReportFixture.Env).Stdout;
        Assert.Contains("(end): early stop at the stage's last measurement", text);
        Assert.Equal(markedCells, text.Split('\n').Count(l => l.Contains(" (end)") || l.Contains(" (end: ")));
    }

    /// <summary>The note counts the stages that ran sparse, not the rows' stages (two replicates of one level can differ where
    /// global pruning leaves a layer at another density), and names a layer once, with the pass where only one ran sparse.</summary>
    [Fact]
    public void TheKernelNoteCountsStagesAndNamesEachLayerOnce()
    {
        var one = Statistic.Of([1.0])!;
        ResultRow Row(double percent, int stages, int sparseStages, params string[] layers) =>
            new("e", SeriesKind.Iterative, "level 1", 1, percent, stages, one, one, one, one, one, null, [], layers, sparseStages);
        Assert.Null(ResultTable.KernelNote([Row(100, 2, 0)]));
        var note = ResultTable.KernelNote([Row(100, 2, 0), Row(26.5, 2, 1, "fc2.weight", "fc1.weight (training)"), Row(13.7, 2, 2, "fc1.weight", "out.weight (evaluation)")])!;
        Assert.StartsWith("Sparse kernels (--sparse, recorded in each stage's summary.json) trained fc1, fc2, out (for evaluation only) in 3 of the 6 stages (at 26.5% remaining and below;", note);
        Assert.Contains("fc1 (for training only) in 1 of the 4 stages", ResultTable.KernelNote([Row(100, 2, 0), Row(26.5, 2, 1, "fc1.weight (training)")]));
    }

    /// <summary>The one-shot run's 21.1% target trains LeNet's fc layers on the sparse kernels (--sparse auto, below 30%
    /// kept): the report names the layers per row and says, on the page and in the summary, which stages ran them.
    /// Checked against the stages' own summary.json files.</summary>
    [Fact]
    public void TheReportSaysWhichStagesRanOnSparseKernels()
    {
        var summaries = new[] { f.Lottery, f.OneShot }.SelectMany(run => Directory.EnumerateFiles(Path.Combine(f.Runs, run), "summary.json", SearchOption.AllDirectories))
            .Select(file => JsonDocument.Parse(File.ReadAllText(file)).RootElement)
            .Select(e => (Percent: e.GetProperty("percent_remaining").GetDouble(),
                Layers: e.TryGetProperty("sparse_layers", out var l) && l.ValueKind == JsonValueKind.Array ? l.EnumerateArray().Select(x => x.GetString()!).ToList() : [])).ToList();
        var sparse = summaries.Where(x => x.Layers.Count > 0).ToList();
        Assert.NotEmpty(sparse);
        Assert.All(sparse, x => Assert.True(x.Percent < 30, $"a stage at {x.Percent}% ran sparse"));

        var rows = JsonDocument.Parse(File.ReadAllText(Path.Combine(f.Out, "table.json"))).RootElement.GetProperty("rows").EnumerateArray().ToList();
        var byRow = rows.Select(r => (Percent: r.GetProperty("percent_remaining").GetDouble(), Layers: r.GetProperty("sparse_layers").EnumerateArray().Select(x => x.GetString()!).ToList())).ToList();
        Assert.Equal(sparse.SelectMany(x => x.Layers).Distinct().Order(StringComparer.Ordinal), byRow.SelectMany(r => r.Layers).Distinct().Order(StringComparer.Ordinal));
        Assert.All(byRow.Where(r => r.Percent >= 30), r => Assert.Empty(r.Layers));

        // A layer by its name; "(training)" or "(evaluation)" where every stage that ran it sparse did so for that pass only.
        var records = sparse.SelectMany(x => x.Layers).Distinct().ToList();
        var layers = string.Join(", ", records.Select(r => r.Split(' ')[0]).Distinct().Order(StringComparer.Ordinal).Select(n =>
        {
            var passes = records.Where(r => r.Split(' ')[0] == n).Select(r => r.Contains(' ') ? r.Split(' ')[1].Trim('(', ')') : "both").Distinct().ToList();
            return n.Replace(".weight", "") + (passes.Count == 1 && passes[0] != "both" ? $" (for {passes[0]} only)" : "");
        }));
        var note = $"Sparse kernels (--sparse, recorded in each stage's summary.json) trained {layers} in {sparse.Count} of the {summaries.Count} stages " +
                   $"(at {sparse.Max(x => x.Percent).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}% remaining and below;";
        Assert.Contains(note, File.ReadAllText(Path.Combine(f.Out, "summary.md")));
        Assert.Contains(System.Net.WebUtility.HtmlEncode(note), File.ReadAllText(Path.Combine(f.Out, "report.html")));
        var csv = File.ReadAllLines(Path.Combine(f.Out, "table.csv"));
        Assert.EndsWith(",diverged,sparse_layers,early_stops_at_end_val_loss,early_stops_at_end_val_acc", csv[0]);
        Assert.Equal(sparse.Count > 0 ? byRow.Count(r => r.Layers.Count > 0) : 0, csv.Skip(1).Count(l => l.Split(',')[^3] != ""));
    }

    [Fact]
    public void FiguresAreValidPngAndSvgFilesOfTheExpectedSet()
    {
        string[] expected =
        [
            "early_stop_iteration", "early_stop_test_accuracy", "early_stop_iteration_by_val_acc", "early_stop_test_accuracy_by_val_acc",
            "end_accuracy", "test_accuracy_curves_1", "test_accuracy_curves_2", "layer_density_1", "layer_density_2",
        ];
        var dir = Path.Combine(f.Out, "figures");
        var stems = Directory.GetFiles(dir, "*.png").Select(Path.GetFileNameWithoutExtension).Order().ToList();
        Assert.Equal(expected.Order(), stems);
        foreach (var stem in expected)
        {
            var png = File.ReadAllBytes(Path.Combine(dir, stem + ".png"));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
            Assert.Equal(900, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
            // At least 540 high: a legend under the plot (several experiments) gets the rows its entries need.
            int height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
            Assert.InRange(height, 540, 540 + 22 * 20);
            Assert.Equal("IEND", System.Text.Encoding.ASCII.GetString(png, png.Length - 8, 4));
            var svg = XDocument.Load(Path.Combine(dir, stem + ".svg"));
            Assert.Equal("svg", svg.Root!.Name.LocalName);
            Assert.Contains(svg.Descendants(), e => e.Name.LocalName == "text");
        }
    }

    [Fact]
    public void ThePagePassesAHeadlessBrowserAndLoadsNothingFromTheNetwork()
    {
        var page = Path.Combine(f.Out, "report.html");
        var html = File.ReadAllText(page);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.Contains("Summary", html);
        Assert.Contains("&quot;kind&quot;: &quot;lottery&quot;", html);   // each run's manifest is on the page
        int figures = Directory.GetFiles(Path.Combine(f.Out, "figures"), "*.png").Length;

        var (dom, console) = Browser.Load(page);
        Assert.Contains($"data-figures-shown=\"{figures}\"", dom);
        Assert.Empty(console);
        // The page fits a 1280-pixel window: no horizontal scroll bar (the table's ranges sit under their means).
        var scrollWidth = int.Parse(System.Text.RegularExpressions.Regex.Match(dom, "data-scroll-width=\"(\\d+)\"").Groups[1].Value);
        Assert.InRange(scrollWidth, 600, 1280);

        // The check itself can fail: a page with a console error and a broken image is caught.
        using var bad = new TempDir();
        var badPage = Path.Combine(bad.Path, "bad.html");
        File.WriteAllText(badPage, html.Replace("data:image/png;base64,", "data:image/png;base64,AAAA")
            .Replace("<script>", "<script>console.error('deliberate');"));
        var (badDom, badConsole) = Browser.Load(badPage);
        Assert.Contains("data-figures-shown=\"0\"", badDom);
        Assert.Contains(badConsole, l => l.Contains("deliberate"));
    }

    [Fact]
    public void ProgramOutputNamesTheRunsAndThePage()
    {
        using var json = JsonDocument.Parse(f.Report.Stdout);
        var root = json.RootElement;
        Assert.Equal(Path.GetFullPath(Path.Combine(f.Out, "report.html")), root.GetProperty("report").GetString());
        Assert.Equal(2, root.GetProperty("experiments").GetArrayLength());
        var labels = root.GetProperty("experiments").EnumerateArray().Select(e => e.GetProperty("label").GetString()).ToList();
        Assert.Contains("lenet_300_100 on mnist, iterative, reset to θ0", labels);
        Assert.Contains("lenet_300_100 on mnist, one-shot", labels);
        var summary = root.GetProperty("summary")[0];
        Assert.Contains(summary.GetProperty("findings").EnumerateArray(), s => s.GetString()!.StartsWith("Dense network (2 replicates)"));
        Assert.Contains(summary.GetProperty("findings").EnumerateArray(), s => s.GetString()!.StartsWith("Randomly reinitialized copies"));
        Assert.Contains(summary.GetProperty("paper").EnumerateArray(), s => s.GetString()!.Contains("2.51×"));
    }

    [Fact]
    public void TensorBoardEventFilesParseAndHoldEveryMeasurement()
    {
        var level = Path.Combine(f.Runs, f.Lottery, "replicate_2", "level_1");
        var events = TensorBoardReader.ReadScalars(Path.Combine(level, "tensorboard"));
        var metrics = Metrics(level);
        Assert.Equal(metrics.Select(m => m.Iteration), events["validation/accuracy"].Select(e => e.Step));
        Assert.Equal(metrics.Select(m => (float)m.ValAcc), events["validation/accuracy"].Select(e => e.Value));
        Assert.Equal(metrics.Select(m => (float)m.ValLoss), events["validation/loss"].Select(e => e.Value));
        Assert.Equal(metrics.Where(m => m.TrainLoss is not null).Select(m => (float)m.TrainLoss!.Value), events["train/loss"].Select(e => e.Value));
        Assert.Equal(metrics.Where(m => m.TestAcc is not null).Select(m => (float)m.TestAcc!.Value), events["test/accuracy"].Select(e => e.Value));
        Assert.All(events["train/learning_rate"], e => Assert.Equal(1.2e-3f, e.Value));
        // Controls have their own.
        var reinit = Path.Combine(f.Runs, f.Lottery, "replicate_1", "level_2", "branches", "reinit_1", "tensorboard");
        Assert.Equal(metrics.Count, TensorBoardReader.ReadScalars(reinit)["validation/loss"].Count);
    }

    [Fact]
    public void NoTensorBoardFlagWritesNone()
    {
        using var runs = new TempDir();
        var train = CliRunner.Run(runs.Path, ["train", "--iterations", "20it", "--no-tensorboard", .. ReportFixture.Quick], ReportFixture.Env);
        Assert.Equal(0, train.ExitCode);
        Assert.Empty(Directory.GetDirectories(runs.Path, "tensorboard", SearchOption.AllDirectories));
        Assert.Single(Directory.GetFiles(runs.Path, "metrics.csv", SearchOption.AllDirectories));
    }

    [Fact]
    public void MissingDamagedAndUnfinishedRuns()
    {
        using var copy = new TempDir();
        var run = Path.Combine(copy.Path, f.Lottery);
        CopyDirectory(Path.Combine(f.Runs, f.Lottery), run);
        var output = Path.Combine(copy.Path, "out");

        // Unknown run, no selection, a filter that selects nothing, a missing --out: one line each, nothing written.
        foreach (var (args, message) in new (string[], string)[]
                 {
                     (["report", "lottery_ffff", "--out", output], "no run 'lottery_ffff'"),
                     (["report", "--out", output], "name the runs to report"),
                     (["report", "--model", "conv6", "--out", output], "no run under"),
                     (["report", f.Lottery], "--out is missing"),
                     (["report", f.Lottery, "--out", output, "--curve-levels", "0"], "--curve-levels: '0'"),
                 })
        {
            var r = CliRunner.Run(copy.Path, args, ReportFixture.Env);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains(message, Assert.Single(r.StderrLines, l => l.StartsWith("error:")));
            Assert.False(Directory.Exists(output));
        }

        // A stage not finished (its summary gone, as after a crash): reported as far as it got, and said so.
        File.Delete(Path.Combine(run, "replicate_2", "level_2", "summary.json"));
        var partial = CliRunner.Run(copy.Path, ["report", f.Lottery, "--out", output, "--no-train-accuracy"], ReportFixture.Env);
        Assert.Equal(0, partial.ExitCode);
        Assert.Contains("1 unfinished, not shown", partial.Stdout);
        Assert.Contains("not finished: replicate_2/level_2", File.ReadAllText(Path.Combine(output, "report.html")));
        var level2 = File.ReadAllLines(Path.Combine(output, "table.csv")).Select(SplitCsv).Single(c => c[1] == "iterative" && c[2] == "level 2");
        Assert.Equal("1", level2[4]);

        // A damaged metrics file: one line naming it and the fix.
        File.WriteAllText(Path.Combine(run, "replicate_1", "level_1", "metrics.csv"), "garbage\n");
        var damaged = CliRunner.Run(copy.Path, ["report", f.Lottery, "--out", output], ReportFixture.Env);
        Assert.Equal(1, damaged.ExitCode);
        var line = Assert.Single(damaged.StderrLines, l => l.StartsWith("error:"));
        Assert.Contains("replicate_1/level_1/metrics.csv is corrupted", line);
        Assert.Contains("delete it", line);
    }

    /// <summary>A recipe's report keeps only its own branches: another branch still training on the same run (its stage
    /// unfinished, its directory locked) is not this report's unfinished work, and the run is not "still running" for it.</summary>
    [Fact]
    public void AReportThatLeavesABranchOutIsNotHeldUpByItsUnfinishedStage()
    {
        using var copy = new TempDir();
        var run = Path.Combine(copy.Path, f.Lottery);
        CopyDirectory(Path.Combine(f.Runs, f.Lottery), run);
        var reinit = Assert.Single(Directory.GetDirectories(Path.Combine(run, "replicate_2", "level_2", global::Lottery.Lottery.RunLayout.BranchFolder), "reinit*"));
        File.Delete(Path.Combine(reinit, "summary.json"));
        using var held = global::Lottery.Runs.RunLock.Acquire(reinit);   // its process at work (a branch locks its own directory)

        var all = global::Lottery.Reports.ExperimentData.Load(run);
        Assert.True(all.Running);
        Assert.Equal([Path.GetRelativePath(run, reinit)], all.Unfinished);
        var withReinit = all.OnlyBranches(new HashSet<string> { "reinit" });
        Assert.True(withReinit.InProgress && withReinit.Running);
        Assert.Equal(all.Stages.Count, withReinit.Stages.Count);

        var trunkOnly = all.OnlyBranches(new HashSet<string>());
        Assert.False(trunkOnly.InProgress);
        Assert.Empty(trunkOnly.Unfinished);
        // 2 replicates × levels 0–2, no reinitialization.
        Assert.Equal(6, trunkOnly.Stages.Count);

        // The trunk's own unfinished stage still counts.
        File.Delete(Path.Combine(run, "replicate_2", "level_1", "summary.json"));
        var trunkCut = global::Lottery.Reports.ExperimentData.Load(run).OnlyBranches(new HashSet<string>());
        Assert.True(trunkCut.Running);
        Assert.Equal(["replicate_2/level_1"], trunkCut.Unfinished);
    }

    [Fact]
    public void RunsAreSelectedByFilter()
    {
        using var outDir = new TempDir();
        var r = CliRunner.Run(f.Runs, ["report", "--model", "lenet_300_100", "--dataset", "mnist", "--out", outDir.Path, "--no-train-accuracy", "--json"], ReportFixture.Env);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(2, JsonDocument.Parse(r.Stdout).RootElement.GetProperty("experiments").GetArrayLength());
        var none = CliRunner.Run(f.Runs, ["report", "--preset", "lenet_mnist", "--out", outDir.Path], ReportFixture.Env);
        Assert.Equal(1, none.ExitCode);   // the test runs use a subset and short schedules, not the preset
        Assert.Contains("matches preset lenet_mnist", none.Stderr);
    }

    /// <summary>RFC 4180 fields: quoted fields may hold commas and doubled quotes.</summary>
    static string[] SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields.ToArray();
    }

    static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
