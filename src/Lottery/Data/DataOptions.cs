namespace Lottery.Data;

/// <summary>
/// The inputs of dataset location that normally come from the environment. They are an explicit object
/// so tests (which run in parallel) inject them instead of mutating process-wide variables, and so the
/// CLI can override them from flags.
/// </summary>
public sealed record DataOptions
{
    /// <summary>Default system location: Debian's dataset-* packages install under it.</summary>
    public const string SystemDatasets = "/usr/share/datasets";

    /// <summary>Data root from <c>LOTTERY_DATA</c>, searched after an explicit root.</summary>
    public string? EnvironmentDataRoot { get; init; }

    /// <summary>Roots recorded by earlier commands (a run's manifest), searched after <c>LOTTERY_DATA</c>.</summary>
    public IReadOnlyList<string> RecordedRoots { get; init; } = [];

    /// <summary>User cache root (<c>$XDG_CACHE_HOME/lottery/datasets</c>); searched, and where downloads go.</summary>
    public required string CacheRoot { get; init; }

    /// <summary>Read-only system roots searched last.</summary>
    public IReadOnlyList<string> SystemRoots { get; init; } = [SystemDatasets];

    /// <summary>False when <c>LOTTERY_OFFLINE=1</c> (or a flag) forbids network access.</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>Base URL from <c>LOTTERY_DATA_MIRROR</c>; files are fetched as <c>&lt;mirror&gt;/&lt;dataset directory&gt;/&lt;file&gt;</c>.</summary>
    public string? Mirror { get; init; }

    /// <summary>Client for downloads; a shared one with a generous timeout when null.</summary>
    public HttpClient? Http { get; init; }

    /// <summary>Receives one-line progress notes ("downloading …"); silent when null.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Options from the process environment (or from <paramref name="getVariable"/>, for tests).</summary>
    public static DataOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        return new DataOptions
        {
            EnvironmentDataRoot = NonEmpty(getVariable("LOTTERY_DATA")),
            CacheRoot = DefaultCacheRoot(getVariable),
            AllowDownload = !IsSet(getVariable("LOTTERY_OFFLINE")),
            Mirror = NonEmpty(getVariable("LOTTERY_DATA_MIRROR")),
        };
    }

    /// <summary><c>$XDG_CACHE_HOME/lottery/datasets</c>, or <c>~/.cache/lottery/datasets</c> (XDG's default).</summary>
    public static string DefaultCacheRoot(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
        var xdg = NonEmpty(getVariable("XDG_CACHE_HOME"));
        var cache = xdg is not null && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(NonEmpty(getVariable("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "lottery", "datasets");
    }

    static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    static bool IsSet(string? flag) =>
        NonEmpty(flag) is { } v && v is not ("0" or "false" or "False" or "FALSE" or "no" or "No" or "NO");
}
