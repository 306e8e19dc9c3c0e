namespace Lottery.Data;

/// <summary>
/// Finds the directory holding a dataset, downloading it into the user cache when it is nowhere.
/// Search order: explicit data root, <c>LOTTERY_DATA</c>, user cache, system roots; each candidate is
/// <c>&lt;root&gt;/&lt;spec.Directory&gt;</c> and counts only when every required file is present
/// (content is verified later, by the loader, so a corrupted file is reported rather than skipped).
/// </summary>
public sealed class DatasetLocator(DataOptions? options = null)
{
    readonly DataOptions options = options ?? DataOptions.FromEnvironment();

    /// <summary>The directories searched for <paramref name="spec"/>, in order, without duplicates.</summary>
    public IReadOnlyList<DatasetCandidate> Candidates(DatasetSpec spec, string? dataRoot = null)
    {
        var roots = new List<(string? Root, string Origin)>
        {
            (dataRoot, "--data-root"),
            (options.EnvironmentDataRoot, "LOTTERY_DATA"),
        };
        roots.AddRange(options.RecordedRoots.Select(r => ((string?)r, "run manifest")));
        roots.Add((options.CacheRoot, "user cache"));
        roots.AddRange(options.SystemRoots.Select(r => ((string?)r, "system")));

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<DatasetCandidate>();
        foreach (var (root, origin) in roots)
        {
            if (string.IsNullOrWhiteSpace(root)) continue;
            var dir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(root, spec.Directory)));
            if (seen.Add(dir)) result.Add(new DatasetCandidate(dir, origin));
        }
        return result;
    }

    /// <summary>The required files of <paramref name="spec"/> that <paramref name="directory"/> lacks.</summary>
    public static IReadOnlyList<string> MissingFiles(DatasetSpec spec, string directory) =>
        spec.RequiredFiles.Select(f => f.Name).Where(n => !File.Exists(Path.Combine(directory, n))).ToArray();

    /// <summary>
    /// The first candidate directory holding all required files; otherwise downloads the missing files
    /// into the user cache (unless offline) and returns that directory.
    /// </summary>
    /// <exception cref="DataException">Not found and not downloadable, or a download failed verification.</exception>
    public string Locate(DatasetSpec spec, string? dataRoot = null)
    {
        var candidates = Candidates(spec, dataRoot);
        foreach (var c in candidates)
            if (MissingFiles(spec, c.Directory).Count == 0) return c.Directory;

        if (!options.AllowDownload)
            throw NotFound(spec, candidates, "downloads are off (LOTTERY_OFFLINE is set)");

        var target = Path.Combine(Path.GetFullPath(options.CacheRoot), spec.Directory);
        try
        {
            new DatasetDownloader(options.Http ?? SharedHttp.Value, options.Log).Download(spec, target, options.Mirror);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or UnauthorizedAccessException)
        {
            // Transport and disk errors: the user needs the same advice as for "not found", plus the reason.
            throw new DataException(NotFoundMessage(spec, candidates, $"download into {target} failed: {e.Message}"), e);
        }
        return target;
    }

    static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient { Timeout = TimeSpan.FromMinutes(30) });

    static DataException NotFound(DatasetSpec spec, IReadOnlyList<DatasetCandidate> candidates, string why) =>
        new(NotFoundMessage(spec, candidates, why));

    static string NotFoundMessage(DatasetSpec spec, IReadOnlyList<DatasetCandidate> candidates, string why)
    {
        var looked = candidates.Select(c =>
        {
            var missing = MissingFiles(spec, c.Directory);
            var what = missing.Count == spec.RequiredFiles.Count() ? "missing all" : $"missing {string.Join(", ", missing)}";
            return $"{c} {what}";
        });
        var fix = "pass --data-root DIR or set LOTTERY_DATA to a folder containing " + spec.Directory + "/";
        if (spec.SystemPackage is { } package) fix += $", or apt-get install {package}";
        fix += why.StartsWith("downloads are off", StringComparison.Ordinal) ? ", or unset LOTTERY_OFFLINE to download it" : "";
        return $"Dataset {spec.Name} not found: needs {string.Join(", ", spec.RequiredFiles.Select(f => f.Name))}; " +
               $"looked in {string.Join("; ", looked)}; {why}. Fix: {fix}.";
    }
}
