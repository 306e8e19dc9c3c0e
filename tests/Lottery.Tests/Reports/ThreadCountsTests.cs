using System.Text.Json;
using System.Text.Json.Nodes;
using Lottery.Lottery;
using Lottery.Reports;
using Lottery.Runs;

namespace Lottery.Tests.Reports;

/// <summary>Every stage records the thread counts it trained under, and a report says which stages differ from their run's
/// manifest (or trained under several counts): the count changes the last bits, and the manifest alone records only the
/// count of the process that created the run.</summary>
public class ThreadCountsTests
{
    static string Run(string root, string? manifestThreads)
    {
        var versions = new Dictionary<string, string> { ["test"] = "1" };
        if (manifestThreads is not null) versions["threads"] = manifestThreads;
        var environment = Synthetic.Environment(root) with { Versions = versions };
        using var run = RunHandle.Open(environment, new RunIdentity(RunKind.Lottery, Synthetic.Hparams(iterations: "40it"), 0, null));
        new LotteryRunner(run).Find(1, [1]);
        return run.Layout.Root;
    }

    /// <summary>Rewrites one stage's summary.json as if it had trained under <paramref name="threads"/>.</summary>
    static void SetThreads(string stage, params int[] threads)
    {
        var path = Path.Combine(stage, StageSummary.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["threads"] = new JsonArray(threads.Select(t => (JsonNode)t).ToArray());
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void StagesRecordTheirThreadCountsAndTheReportNamesThoseThatDiffer()
    {
        int now = TorchSharp.torch.get_num_threads();
        using var root = new TempDir();
        // The manifest's count is this process's: every stage (2) records it alone, and the report says nothing.
        var same = Run(root.Path, $"{now}");
        foreach (var level in new[] { "level_0", "level_1" })
            Assert.Equal([now], StageSummary.TryLoad(Path.Combine(same, "replicate_1", level))!.Threads);
        Assert.Null(ThreadCounts.Note(Report.Build([same]).Experiments));

        // One stage resumed under another count: named, with both counts.
        SetThreads(Path.Combine(same, "replicate_1", "level_1"), now, now + 1);
        var report = Report.Build([same]);
        var note = ThreadCounts.Note(report.Experiments)!;
        Assert.StartsWith($"Thread counts: 1 of the 2 stages trained under another intra-op thread count than their run's manifest records ({now} thread{(now == 1 ? "" : "s")}; ", note);
        Assert.Contains($"{Path.GetFileName(same)}/replicate_1/level_1 ({now} and {now + 1} threads)", note);
        Assert.DoesNotContain("level_0", note);
        // It is in the summary and on the page.
        using var outDir = new TempDir();
        ReportWriter.Write(report, outDir.Path);
        Assert.Contains(note, File.ReadAllText(Path.Combine(outDir.Path, "summary.md")));
        Assert.Contains(System.Net.WebUtility.HtmlEncode(note), File.ReadAllText(Path.Combine(outDir.Path, "report.html")));

        // A manifest recording another count than the stages': every stage differs.
        using var other = new TempDir();
        var elsewhere = Run(other.Path, $"{now + 2}");
        Assert.StartsWith($"Thread counts: 2 of the 2 stages trained under another intra-op thread count than their run's manifest records ({now + 2} threads; ",
            ThreadCounts.Note(Report.Build([elsewhere]).Experiments));

        // A manifest without a count (a library user's environment): only a stage trained under several counts is named.
        using var none = new TempDir();
        var unrecorded = Run(none.Path, null);
        Assert.Null(ThreadCounts.Note(Report.Build([unrecorded]).Experiments));
        SetThreads(Path.Combine(unrecorded, "replicate_1", "level_0"), 1, 4);
        Assert.Contains("(none recorded; ", ThreadCounts.Note(Report.Build([unrecorded]).Experiments));

        // Stages finished before counts were recorded (no "threads" in summary.json) are never named.
        var path = Path.Combine(elsewhere, "replicate_1", "level_0", StageSummary.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json.Remove("threads");
        File.WriteAllText(path, json.ToJsonString());
        Assert.Null(StageSummary.TryLoad(Path.GetDirectoryName(path)!)!.Threads);
        Assert.StartsWith("Thread counts: 1 of the 2 stages", ThreadCounts.Note(Report.Build([elsewhere]).Experiments));
    }
}
