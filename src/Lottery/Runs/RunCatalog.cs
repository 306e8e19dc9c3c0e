namespace Lottery.Runs;

/// <summary>Finds run directories under a runs root.</summary>
public static class RunCatalog
{
    public static IReadOnlyList<string> List(string runsRoot) => Directory.Exists(runsRoot)
        ? Directory.EnumerateDirectories(runsRoot).Where(d => File.Exists(Path.Combine(d, "manifest.json"))).Order().ToList()
        : [];

    /// <summary>A path, a directory name under the root, or a unique prefix of a name or hash.</summary>
    public static string Resolve(string runsRoot, string run)
    {
        if (string.IsNullOrWhiteSpace(run))
            throw new RunFileException("the run name is empty: give a run directory, name or hash prefix (`lottery runs` lists them)");
        if (Directory.Exists(run) && File.Exists(Path.Combine(run, "manifest.json"))) return Path.GetFullPath(run);
        var all = List(runsRoot);
        var exact = all.FirstOrDefault(d => Path.GetFileName(d) == run);
        if (exact is not null) return exact;
        var matches = all.Where(d =>
        {
            var name = Path.GetFileName(d);
            var hash = name[(name.IndexOf('_') + 1)..];
            return name.StartsWith(run, StringComparison.Ordinal) || hash.StartsWith(run, StringComparison.Ordinal);
        }).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new RunFileException($"no run '{run}' under {runsRoot}: `lottery runs` lists them (or pass --runs-dir)"),
            _ => throw new RunFileException($"'{run}' matches {matches.Count} runs ({string.Join(", ", matches.Select(Path.GetFileName))}): give more of the name"),
        };
    }
}
