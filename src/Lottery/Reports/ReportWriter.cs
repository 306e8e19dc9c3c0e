using System.Text;
using System.Text.Json.Nodes;
using Lottery.Runs;

namespace Lottery.Reports;

/// <summary>Writes a report into a directory: report.html, summary.md, table.md/.csv/.json and figures/STEM.png/.svg,
/// each file under a temporary name and renamed. Figures of a previous report that this one no longer draws are
/// removed, so the directory always describes one report.</summary>
public static class ReportWriter
{
    public static IReadOnlyList<string> Write(Report report, string outDirectory)
    {
        if (File.Exists(outDirectory)) throw new IOException($"--out {outDirectory} is a file: give a directory");
        var figures = Path.Combine(outDirectory, "figures");
        Directory.CreateDirectory(figures);
        var written = new List<string>();
        void Text(string path, string text) { AtomicFile.WriteAllText(path, text); written.Add(path); }
        foreach (var f in report.Figures)
        {
            var png = Path.Combine(figures, f.Stem + ".png");
            AtomicFile.Write(png, s => s.Write(f.Png));
            written.Add(png);
            Text(Path.Combine(figures, f.Stem + ".svg"), f.Svg);
        }
        var keep = report.Figures.SelectMany(f => new[] { f.Stem + ".png", f.Stem + ".svg" }).ToHashSet();
        foreach (var old in Directory.EnumerateFiles(figures).Where(p => (p.EndsWith(".png") || p.EndsWith(".svg")) && !keep.Contains(Path.GetFileName(p))))
            File.Delete(old);
        var stability = StabilityTable.Build(report.Experiments);
        Text(Path.Combine(outDirectory, "table.md"), ResultTable.Markdown(report.Rows) + StabilityTable.Markdown(stability));
        Text(Path.Combine(outDirectory, "table.csv"), ResultTable.Csv(report.Rows));
        var stabilityCsv = Path.Combine(outDirectory, "stability.csv");
        if (stability.Count > 0) Text(stabilityCsv, StabilityTable.Csv(stability));
        else if (File.Exists(stabilityCsv)) File.Delete(stabilityCsv);
        Text(Path.Combine(outDirectory, "table.json"), Json(report).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        Text(Path.Combine(outDirectory, "summary.md"), SummaryMarkdown(report));
        Text(Path.Combine(outDirectory, "report.html"), ReportPage.Html(report));
        return written;
    }

    static string Cell(string text) => text.Replace("|", "\\|");

    public static JsonObject Json(Report report) => new()
    {
        ["created"] = report.Created.ToString("O"),
        ["criterion_of_summary"] = EarlyStop.Short(report.Criterion),
        ["experiments"] = new JsonArray(report.Experiments.Select(e => (JsonNode)new JsonObject
        {
            ["label"] = e.Label, ["run"] = e.Run, ["directory"] = e.Directory, ["model"] = e.Model, ["dataset"] = e.Dataset,
            ["procedure"] = e.Procedure, ["score"] = e.Score?.Name, ["dense_from"] = e.DenseFrom, ["replicates"] = e.Replicates, ["finished_stages"] = e.Stages.Count,
            ["unfinished"] = new JsonArray(e.Unfinished.Select(u => (JsonNode)u).ToArray()), ["running"] = e.Running,
        }).ToArray()),
        ["rows"] = ResultTable.Json(report.Rows),
        ["stability"] = StabilityTable.Json(StabilityTable.Build(report.Experiments)),
        ["summary"] = new JsonArray(report.Headlines.Select(h => (JsonNode)new JsonObject
        {
            ["experiment"] = h.Experiment,
            ["matches_dense_down_to_percent"] = h.MatchesDownTo,
            ["largest_speed_up"] = h.LargestSpeedUp is { } s ? new JsonObject { ["percent_remaining"] = s.Percent, ["factor"] = s.Factor } : null,
            ["largest_accuracy_gain"] = h.LargestGain is { } g ? new JsonObject { ["percent_remaining"] = g.Percent, ["points"] = g.Points } : null,
            ["findings"] = new JsonArray(h.Findings.Select(f => (JsonNode)f).ToArray()),
            ["paper"] = new JsonArray(h.Paper.Select(f => (JsonNode)f).ToArray()),
        }).ToArray()),
        ["comparison"] = report.Comparison is null ? null : new JsonArray(report.Comparison.Findings.Select(f => (JsonNode)f).ToArray()),
        ["recipe"] = report.Context is not { } c ? null : new JsonObject
        {
            ["name"] = c.Recipe, ["title"] = c.Title, ["figures"] = c.Figures, ["scale"] = c.Scale, ["scale_note"] = c.ScaleNote,
            ["commands"] = new JsonArray(c.Commands.Select(x => (JsonNode)x).ToArray()),
            ["panels"] = new JsonArray(c.Panels.Select(p => (JsonNode)new JsonObject
            {
                ["paper_figure"] = p.PaperFigure, ["description"] = p.Description,
                ["figures"] = new JsonArray(p.Stems.Where(st => report.Figures.Any(f => f.Stem == st)).Select(st => (JsonNode)st).ToArray()),
            }).ToArray()),
            ["paper_against_ours"] = new JsonArray(report.Claims.Select(r => (JsonNode)new JsonObject
                { ["quantity"] = r.Quantity, ["paper"] = r.Paper, ["ours"] = r.Ours, ["experiment"] = r.Experiment }).ToArray()),
        },
    };

    public static string SummaryMarkdown(Report report)
    {
        var sb = new StringBuilder();
        if (report.Context is { } context)
        {
            sb.Append($"### {context.Title}\n\nThe paper's {context.Figures}, recipe `{context.Recipe}` at the {context.Scale} scale. {context.ScaleNote}\n\n");
            var claims = report.Claims;
            if (claims.Count > 0)
            {
                sb.Append("| quantity | the paper | this run | experiment |\n|---|---|---|---|\n");
                foreach (var c in claims) sb.Append($"| {Cell(c.Quantity)} | {Cell(c.Paper)} | {Cell(c.Ours)} | {Cell(c.Experiment)} |\n");
                sb.Append('\n');
            }
        }
        foreach (var e in report.Experiments.Where(e => e.InProgress))
            sb.Append($"> **{e.Run} is {(e.Running ? "still running" : "unfinished")}**: {e.Stages.Count} finished stage{(e.Stages.Count == 1 ? "" : "s")} shown" +
                      (e.Unfinished.Count > 0 ? $"; not finished: {string.Join(", ", e.Unfinished)}" : "") + ".\n\n");
        if (report.Comparison is { } comparison)
        {
            sb.Append($"### Methods side by side\n\nEarly stop = {EarlyStop.Describe(report.Criterion)}.\n\n");
            foreach (var f in comparison.Findings) sb.Append($"- {f}\n");
            sb.Append('\n');
        }
        foreach (var h in report.Headlines)
        {
            sb.Append($"### {h.Experiment}\n\nEarly stop = {EarlyStop.Describe(report.Criterion)}.\n\n");
            foreach (var f in h.Findings) sb.Append($"- {f}\n");
            if (h.Paper.Count > 0)
            {
                sb.Append("\nThe paper, for the same network:\n\n");
                foreach (var p in h.Paper) sb.Append($"- {p}\n");
            }
            sb.Append('\n');
        }
        if (ResultTable.KernelNote(report.Rows) is { } kernels) sb.Append($"{kernels}\n\n");
        if (ThreadCounts.Note(report.Experiments) is { } threads) sb.Append($"{threads}\n\n");
        return sb.ToString();
    }
}
