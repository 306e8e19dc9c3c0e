using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Lottery.Runs;

namespace Lottery.Reports;

/// <summary>
/// The report as one self-contained HTML file: summary, figures (PNG embedded as data URIs), the table and each
/// run's hyperparameters; no script, style or font is loaded from anywhere, so it can be mailed or attached to a
/// paper's supplementary material. Its one small script only marks, once the page has loaded, how many figures
/// are displayed with a non-zero size (data-figures-shown on the root element) and how wide the page is laid out
/// (data-scroll-width) for automated checks.
/// </summary>
public static class ReportPage
{
    static string E(string s) => WebUtility.HtmlEncode(s);

    public static string Html(Report report)
    {
        var sb = new StringBuilder();
        var title = report.Context is { } recipe ? $"{recipe.Title} ({recipe.Figures}, {recipe.Scale} scale)"
            : report.Experiments.Count == 1 ? $"Lottery-ticket report: {report.Experiments[0].Label}" : "Lottery-ticket report";
        var program = report.Context is { } made ? $"lottery reproduce {made.Recipe} --scale {made.Scale}" : "lottery report";
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .Append($"<title>{E(title)}</title>\n")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append("<style>\n")
          .Append("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n")
          .Append("h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}\n")
          .Append("figcaption{font-size:.92em;color:#444}table{border-collapse:collapse;font-size:.85em;margin:1em 0}\n")
          .Append("th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right;vertical-align:top}th{background:#f4f4f4;font-weight:600}td.l,th.l{text-align:left}\n")
          // Cells wrap (a range goes under its mean) and a table wider than the window scrolls in its own box, so the
          // page itself fits a 1280-pixel window however many runs and columns the report has.
          .Append("td{white-space:nowrap}td.l{white-space:normal;min-width:8em}td .r{color:#666;font-size:.9em}.wide{overflow-x:auto;max-width:100%}\n")
          .Append("code{overflow-wrap:anywhere}\n")
          .Append(".note{background:#fff6dd;border:1px solid #e8d9a8;padding:.5em 1em}pre{background:#f7f7f7;padding:.75em;overflow-x:auto;font-size:.8em}\n")
          .Append(".swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}\n")
          .Append("</style>\n</head>\n<body>\n");
        sb.Append($"<h1>{E(title)}</h1>\n");
        sb.Append($"<p>Generated {report.Created.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)} by <code>{E(program)}</code> from ")
          .Append(string.Join(", ", report.Experiments.Select(e => $"<code>{E(e.Run)}</code>"))).Append(".</p>\n");
        foreach (var e in report.Experiments.Where(e => e.InProgress))
            sb.Append($"<p class=\"note\"><b>{E(e.Run)} is {(e.Running ? "still running" : "unfinished")}</b>: this report shows its {e.Stages.Count} finished stage{(e.Stages.Count == 1 ? "" : "s")}" +
                      (e.Unfinished.Count > 0 ? $"; not finished: {E(string.Join(", ", e.Unfinished))}" : "") + ".</p>\n");

        if (report.Context is { } context) AppendRecipe(sb, report, context);

        sb.Append("<h2>Summary</h2>\n");
        if (report.Comparison is { } comparison)
        {
            sb.Append($"<h3>Methods side by side</h3>\n<p>Early stop = {E(EarlyStop.Describe(report.Criterion))}.</p>\n<ul>\n");
            foreach (var f in comparison.Findings) sb.Append($"<li>{E(f)}</li>\n");
            sb.Append("</ul>\n");
        }
        foreach (var h in report.Headlines)
        {
            sb.Append($"<h3>{E(h.Experiment)}</h3>\n<p>Early stop = {E(EarlyStop.Describe(report.Criterion))}.</p>\n<ul>\n");
            foreach (var f in h.Findings) sb.Append($"<li>{E(f)}</li>\n");
            sb.Append("</ul>\n");
            if (h.Paper.Count > 0)
            {
                sb.Append("<p>The paper (Frankle &amp; Carbin, ICLR 2019) for the same network:</p>\n<ul>\n");
                foreach (var p in h.Paper) sb.Append($"<li>{E(p)}</li>\n");
                sb.Append("</ul>\n");
            }
        }

        if (ResultTable.KernelNote(report.Rows) is { } kernels) sb.Append($"<p class=\"note\">{E(kernels)}</p>\n");
        if (ThreadCounts.Note(report.Experiments) is { } threads) sb.Append($"<p class=\"note\">{E(threads)}</p>\n");

        sb.Append("<h2>Figures</h2>\n<p>");
        var styles = new SeriesStyles(report.Experiments);
        if (styles.ByExperiment && styles.Shared.Length > 0) sb.Append($"Every experiment: {E(styles.Shared)}. Legends name each by the rest: ");
        if (styles.ByExperiment)
            foreach (var e in report.Experiments)
                sb.Append($"<span class=\"swatch\" style=\"background:{styles.Color(e.Label, SeriesKind.Iterative)}\"></span>{E(styles.Short(e.Label))} &nbsp; ");
        else
            foreach (var kind in SeriesKind.Order.Where(k => report.Rows.Any(r => r.Kind == k)))
                sb.Append($"<span class=\"swatch\" style=\"background:{kind.Color}\"></span>{E(kind.Name)} &nbsp; ");
        sb.Append("</p>\n");
        void Draw(Figure f) =>
            sb.Append($"<figure id=\"{f.Stem}\"><img class=\"figure\" alt=\"{E(f.Title)}\" width=\"{f.Width}\" height=\"{f.Height}\" ")
              .Append($"src=\"data:image/png;base64,{Convert.ToBase64String(f.Png)}\">\n")
              .Append($"<figcaption><b>{E(f.Title)}.</b> {E(f.Caption)} (Files: figures/{f.Stem}.png, figures/{f.Stem}.svg.)</figcaption></figure>\n");
        if (report.Context is { } layout)
        {
            // The paper's figures in its order, each with the figures of this report that show it; a figure shown under
            // an earlier panel is linked, not drawn twice.
            var drawn = new HashSet<string>();
            foreach (var panel in layout.Panels)
            {
                sb.Append($"<h3>{E(panel.PaperFigure)}</h3>\n<p>{E(panel.Description)}</p>\n");
                var present = panel.Stems.Select(st => report.Figures.FirstOrDefault(f => f.Stem == st)).OfType<Figure>().ToList();
                if (present.Count == 0) sb.Append("<p class=\"note\">Not drawn yet: its runs have not finished the stages it needs.</p>\n");
                foreach (var f in present)
                    if (drawn.Add(f.Stem)) Draw(f);
                    else sb.Append($"<p>See <a href=\"#{f.Stem}\">{E(f.Title)}</a> above.</p>\n");
            }
            var rest = report.Figures.Where(f => !drawn.Contains(f.Stem)).ToList();
            if (rest.Count > 0) sb.Append("<h3>Other figures of these runs</h3>\n");
            foreach (var f in rest) Draw(f);
        }
        else
            foreach (var f in report.Figures) Draw(f);

        sb.Append("<h2>Table</h2>\n<p>Accuracies in %; mean [min–max] over the n stages at each point. Also as table.md, table.csv and table.json.</p>\n");
        AppendTable(sb, report.Rows, styles);
        if (ResultTable.EndNote(report.Rows) is { } end) sb.Append($"<p class=\"note\">{E(end)}</p>\n");
        AppendStability(sb, StabilityTable.Build(report.Experiments));

        sb.Append("<h2>Runs and hyperparameters</h2>\n");
        foreach (var e in report.Experiments)
        {
            sb.Append($"<h3>{E(e.Label)}</h3>\n<p><code>{E(e.Directory)}</code>: {e.Replicates} replicate{(e.Replicates == 1 ? "" : "s")}, " +
                      $"{e.Stages.Count} finished stage{(e.Stages.Count == 1 ? "" : "s")}, seed {e.Manifest.Seed}" +
                      (e.Manifest.Rewind is { } k ? $", rewound to {E(k)}" : "") + ".</p>\n");
            var manifest = JsonSerializer.Serialize(new { e.Manifest.Kind, e.Manifest.Hash, e.Manifest.Hparams, e.Manifest.Seed, e.Manifest.Rewind,
                e.Manifest.DatasetChecksums, e.Manifest.NormalizationMean, e.Manifest.NormalizationStd, e.Manifest.Versions }, RunManifest.Json);
            sb.Append($"<details><summary>manifest</summary><pre>{E(manifest)}</pre></details>\n");
        }
        sb.Append("<script>\nwindow.addEventListener('load',function(){var n=0;document.querySelectorAll('img.figure').forEach(function(i){")
          .Append("var r=i.getBoundingClientRect();if(i.complete&&i.naturalWidth>0&&r.width>0&&r.height>0)n++;});")
          .Append("document.documentElement.setAttribute('data-figures-shown',String(n));")
          .Append("document.documentElement.setAttribute('data-scroll-width',String(document.documentElement.scrollWidth));});\n</script>\n");
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>What a `lottery reproduce` report reproduces, at which scale and how it was made, and the paper's
    /// numbers beside the same quantities measured here.</summary>
    static void AppendRecipe(StringBuilder sb, Report report, ReportContext context)
    {
        sb.Append($"<h2>What this reproduces</h2>\n<p><b>{E(context.Title)}</b>: the paper's {E(context.Figures)} " +
                  $"(Frankle &amp; Carbin, ICLR 2019), recipe <code>{E(context.Recipe)}</code> at the <b>{E(context.Scale)}</b> scale.</p>\n");
        sb.Append($"<p class=\"note\">{E(context.ScaleNote)}</p>\n");
        var claims = report.Claims;
        if (claims.Count > 0)
        {
            sb.Append($"<h3>The paper against this run</h3>\n<p>Early stop = {E(EarlyStop.Describe(report.Criterion))}; ours are means over the replicates run.</p>\n")
              .Append("<div class=\"wide\"><table>\n<tr><th class=\"l\">quantity</th><th class=\"l\">the paper</th><th class=\"l\">this run</th><th class=\"l\">experiment</th></tr>\n");
            foreach (var c in claims)
                sb.Append($"<tr><td class=\"l\">{E(c.Quantity)}</td><td class=\"l\">{E(c.Paper)}</td><td class=\"l\">{E(c.Ours)}</td><td class=\"l\">{E(c.Experiment)}</td></tr>\n");
            sb.Append("</table></div>\n");
        }
        sb.Append("<details><summary>the commands this recipe runs</summary><pre>")
          .Append(E(string.Join("\n", context.Commands))).Append("</pre></details>\n");
    }

    static void AppendStability(StringBuilder sb, IReadOnlyList<StabilityTable.Row> rows)
    {
        if (rows.Count == 0) return;
        bool several = rows.Select(r => r.Experiment).Distinct().Count() > 1;
        sb.Append("<h3>Instability (linear mode connectivity)</h3>\n<p>Error barriers of the linear path between two copies trained from θk with different SGD noise, ")
          .Append($"in percentage points; stable below {(rows[0].Threshold * 100).ToString("0.##", CultureInfo.InvariantCulture)}. Also as stability.csv.</p>\n<div class=\"wide\"><table>\n<tr>");
        if (several) sb.Append("<th class=\"l\">experiment</th>");
        sb.Append("<th>% remaining</th><th class=\"l\">stage</th><th class=\"l\">k</th><th>test barrier</th><th>train barrier</th><th>endpoints' test error</th><th>stable</th></tr>\n");
        foreach (var r in rows)
        {
            sb.Append("<tr>");
            if (several) sb.Append($"<td class=\"l\">{E(r.Experiment)}</td>");
            sb.Append($"<td>{r.PercentRemaining.ToString("0.0", CultureInfo.InvariantCulture)}</td><td class=\"l\">{E(r.Position)}</td><td class=\"l\">{E(r.RewindPoint)}</td>")
              .Append($"<td>{Cell(r.TestInstability, 100, "0.00")}</td><td>{Cell(r.TrainInstability, 100, "0.00")}</td>")
              .Append($"<td>{Cell(r.EndpointTestError, 100, "0.00")}</td><td>{r.Stable}/{r.Paths}</td></tr>\n");
        }
        sb.Append("</table></div>\n");
    }

    static void AppendTable(StringBuilder sb, IReadOnlyList<ResultRow> rows, SeriesStyles styles)
    {
        bool several = rows.Select(r => r.Experiment).Distinct().Count() > 1;
        bool train = rows.Any(r => r.FinalTrainAccuracy is not null);
        sb.Append("<div class=\"wide\"><table>\n<tr>");
        if (several) sb.Append("<th class=\"l\">experiment</th>");
        sb.Append("<th>% remaining</th><th class=\"l\">stage</th><th class=\"l\">kind</th><th>n</th><th>early-stop it (val loss)</th><th>early-stop it (val acc)</th>")
          .Append("<th>test acc @ es (val loss)</th><th>test acc @ es (val acc)</th><th>final test acc</th>");
        if (train) sb.Append("<th>final train acc</th>");
        sb.Append("</tr>\n");
        foreach (var r in rows)
        {
            sb.Append("<tr>");
            if (several) sb.Append($"<td class=\"l\">{E(r.Experiment)}</td>");
            sb.Append($"<td>{r.PercentRemaining.ToString("0.0", CultureInfo.InvariantCulture)}</td><td class=\"l\">{E(r.Position)}</td>")
              .Append($"<td class=\"l\"><span class=\"swatch\" style=\"background:{styles.Color(r.Experiment, r.Kind)}\"></span>{E(r.Kind.Name)}")
              .Append(r.DivergedAt.Count > 0 ? $" ({r.DivergedAt.Count} diverged)" : "").Append("</td>")
              .Append($"<td>{r.Stages}</td><td>{EarlyStopCell(r, EarlyStopCriterion.ValidationLoss)}</td><td>{EarlyStopCell(r, EarlyStopCriterion.ValidationAccuracy)}</td>")
              .Append($"<td>{Cell(r.EarlyStopTestAccuracyByLoss, 100, "0.00")}</td><td>{Cell(r.EarlyStopTestAccuracyByAccuracy, 100, "0.00")}</td>")
              .Append($"<td>{Cell(r.FinalTestAccuracy, 100, "0.00")}</td>");
            if (train) sb.Append($"<td>{Cell(r.FinalTrainAccuracy, 100, "0.00")}</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</table></div>\n");
    }

    /// <summary>An early-stop iteration with its "(end)" mark (<see cref="EarlyStop.EndMark"/>) on a line of its own.</summary>
    static string EarlyStopCell(ResultRow r, EarlyStopCriterion c)
    {
        var cell = Cell(r.EarlyStopIteration(c), 1, "0");
        var mark = EarlyStop.EndMark(r.EarlyStopsAtEnd(c), r.Stages);
        return mark.Length == 0 ? cell : $"{cell}<br><span class=\"r\">{E(mark)}</span>";
    }

    /// <summary>A table's "mean [min–max]" as two lines, the range under the mean, so the columns stay narrow.</summary>
    static string Cell(Statistic? s, double scale, string format)
    {
        var text = ResultTable.Cell(s, scale, format);
        int bracket = text.IndexOf(" [", StringComparison.Ordinal);
        return bracket < 0 ? E(text) : $"{E(text[..bracket])}<br><span class=\"r\">{E(text[(bracket + 1)..])}</span>";
    }
}
