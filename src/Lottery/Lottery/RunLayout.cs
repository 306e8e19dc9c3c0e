using System.Globalization;
using Lottery.Runs;

namespace Lottery.Lottery;

/// <summary>A stage's place in a run: a trunk stage (a level of an iterative or dense run, or a one-shot target) of
/// a replicate, or a branch attached to one (<see cref="Branch"/>: the branch's directory name, e.g. reinit_2).</summary>
public sealed record StageLocation(int Replicate, int? Level, double? Target, string Directory, string? Branch = null)
{
    public bool IsTrunk => Branch is null;

    /// <summary>"level 3" or "one-shot 7%": stages at the same position of different replicates are replicates of each other.</summary>
    public string Position => Level is int l ? $"level {l}" : $"one-shot {RunLayout.FormatPercent(Target!.Value)}%";

    /// <summary>The trunk stage this one is (or is attached to).</summary>
    public StageLocation TrunkStage(RunLayout layout) =>
        IsTrunk ? this : new StageLocation(Replicate, Level, Target, Level is int l ? layout.Level(Replicate, l) : layout.Target(Replicate, Target!.Value));
}

/// <summary>
/// Where everything of a run lives, the one place that knows it:
/// RUN/manifest.json, RUN/replicate_R/{lock, seeds.json, init.tsr (θ0)},
/// RUN/replicate_R/level_L/ (a stage: <see cref="StageFiles"/>) and for one-shot runs RUN/replicate_R/target_P/,
/// and the branches attached to a stage in STAGE/branches/NAME/ (same files; runs made before branches had a
/// registry keep theirs in STAGE/controls/NAME/, which is read and extended where it is).
/// </summary>
public sealed class RunLayout(string root)
{
    /// <summary>The folder of a stage's branches.</summary>
    public const string BranchFolder = "branches";
    /// <summary>Where runs made before the branch registry keep their controls.</summary>
    public const string LegacyBranchFolder = "controls";

    public string Root { get; } = root;
    public string Manifest => Path.Combine(Root, "manifest.json");
    public string Replicate(int r) => Path.Combine(Root, $"replicate_{r}");
    public string Init(int r) => Path.Combine(Replicate(r), "init.tsr");
    public string Seeds(int r) => Path.Combine(Replicate(r), "seeds.json");
    public string Level(int r, int level) => Path.Combine(Replicate(r), $"level_{level}");
    public string Target(int r, double percent) => Path.Combine(Replicate(r), "target_" + FormatPercent(percent));

    /// <summary>The dense network of replicate <paramref name="r"/> trained from θ0 up to rewind point <paramref name="step"/>
    /// (its final weights are θk): a stage of its own, shared by every branch that starts from θk.</summary>
    public string RewindPoint(int r, string step) => Path.Combine(Replicate(r), "rewind_" + step);

    /// <summary>A trunk stage's directory: level <paramref name="level"/> or one-shot target <paramref name="target"/>.</summary>
    public string Trunk(int r, int? level, double? target) =>
        level is int l ? Level(r, l) : Target(r, target ?? throw new ArgumentException("a trunk stage is a level or a target"));

    /// <summary>The directory of branch <paramref name="name"/> (e.g. reinit_2) of the stage in <paramref name="stage"/>:
    /// where a legacy run already has it, else under branches/.</summary>
    public static string Branch(string stage, string name)
    {
        var legacy = Path.Combine(stage, LegacyBranchFolder, name);
        return Directory.Exists(legacy) ? legacy : Path.Combine(stage, BranchFolder, name);
    }

    /// <summary>The branch directories of a stage, by name (each once, the legacy folder's first).</summary>
    public static IEnumerable<(string Name, string Directory)> Branches(string stage)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var folder in new[] { LegacyBranchFolder, BranchFolder })
        {
            var dir = Path.Combine(stage, folder);
            if (!Directory.Exists(dir)) continue;
            foreach (var d in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
                if (Path.GetFileName(d) is { } n && seen.Add(n)) yield return (n, d);
        }
    }

    /// <summary>True for a directory name a stage of the trunk has (level_L, target_P): what makes a replicate hold work.</summary>
    public static bool IsTrunkDirectory(string name) => name.StartsWith("level_", StringComparison.Ordinal) || name.StartsWith("target_", StringComparison.Ordinal);

    /// <summary>True for a directory a branch owns, with a lock of its own (a stage's branch folder, a dense rewind point):
    /// the trunk's process leaves it alone, as a branch's leaves the trunk.</summary>
    public static bool IsBranchOwned(string directory) => Path.GetFileName(directory) is { } n &&
        (n == BranchFolder || n == LegacyBranchFolder || n.StartsWith("rewind_", StringComparison.Ordinal));

    /// <summary>The directories of replicate <paramref name="r"/> a process can hold a lock on: the replicate's (its trunk),
    /// each branch's and each dense rewind point's.</summary>
    public IEnumerable<string> LockDirectories(int r) =>
        Directory.Exists(Replicate(r))
            ? new[] { Replicate(r) }
                .Concat(Directory.EnumerateDirectories(Replicate(r), "rewind_*").Order(StringComparer.Ordinal))
                .Concat(TrunkStages(r).SelectMany(t => Branches(t.Directory).Select(b => b.Directory)))
            : [];

    public static string FormatPercent(double percent) => percent.ToString("0.###", CultureInfo.InvariantCulture);

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

    /// <summary>The one-shot targets of a replicate, largest first.</summary>
    public IEnumerable<(double Percent, string Directory)> Targets(int r) => Directory.Exists(Replicate(r))
        ? Directory.EnumerateDirectories(Replicate(r), "target_*")
            .Select(d => (double.TryParse(Path.GetFileName(d)["target_".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : -1, d))
            .Where(t => t.Item1 > 0).OrderByDescending(t => t.Item1)
        : [];

    /// <summary>The trunk stages of a replicate: its levels in order, then its one-shot targets, largest first.</summary>
    public IEnumerable<StageLocation> TrunkStages(int r) =>
        Levels(r).Select(l => new StageLocation(r, l, null, Level(r, l)))
            .Concat(Targets(r).Select(t => new StageLocation(r, null, t.Percent, t.Directory)));

    /// <summary>Every stage directory of the run: per replicate, each trunk stage followed by its branches.</summary>
    public IEnumerable<StageLocation> Walk() =>
        Replicates().SelectMany(r => TrunkStages(r).SelectMany(t =>
            new[] { t }.Concat(Branches(t.Directory).Select(b => t with { Directory = b.Directory, Branch = b.Name }))));
}
