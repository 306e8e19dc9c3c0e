using System.Globalization;

namespace Lottery.Lottery;

/// <summary>
/// Where everything of a run lives:
/// RUN/manifest.json, RUN/lock, RUN/replicate_R/init.tsr (θ0),
/// RUN/replicate_R/level_L/{mask.tsr, sparsity.json, start.tsr, metrics.csv, final.tsr, summary.json, capture.tsr},
/// RUN/replicate_R/level_L/controls/{reinit_D, random_pruning, continued}/… (same files),
/// and for one-shot runs RUN/replicate_R/target_P/… beside level_0.
/// </summary>
public sealed class RunLayout(string root)
{
    public string Root { get; } = root;
    public string Manifest => Path.Combine(Root, "manifest.json");
    public string Replicate(int r) => Path.Combine(Root, $"replicate_{r}");
    public string Init(int r) => Path.Combine(Replicate(r), "init.tsr");
    public string Level(int r, int level) => Path.Combine(Replicate(r), $"level_{level}");
    public string Control(int r, int level, string control) => Path.Combine(Level(r, level), "controls", control);
    public string Target(int r, double percent) =>
        Path.Combine(Replicate(r), "target_" + percent.ToString("0.###", CultureInfo.InvariantCulture));

    public IEnumerable<int> Replicates() => Directory.Exists(Root)
        ? Directory.EnumerateDirectories(Root, "replicate_*")
            .Select(d => int.TryParse(Path.GetFileName(d)["replicate_".Length..], out var r) ? r : -1)
            .Where(r => r > 0).Order()
        : [];

    public IEnumerable<int> Levels(int r) => Directory.Exists(Replicate(r))
        ? Directory.EnumerateDirectories(Replicate(r), "level_*")
            .Select(d => int.TryParse(Path.GetFileName(d)["level_".Length..], out var l) ? l : -1)
            .Where(l => l >= 0).Order()
        : [];

    public IEnumerable<(double Percent, string Directory)> Targets(int r) => Directory.Exists(Replicate(r))
        ? Directory.EnumerateDirectories(Replicate(r), "target_*")
            .Select(d => (double.TryParse(Path.GetFileName(d)["target_".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : -1, d))
            .Where(t => t.Item1 > 0).OrderByDescending(t => t.Item1)
        : [];

    public IEnumerable<string> Controls(int r, int level)
    {
        var dir = Path.Combine(Level(r, level), "controls");
        return Directory.Exists(dir) ? Directory.EnumerateDirectories(dir).Select(Path.GetFileName).OfType<string>().Order() : [];
    }
}
