using System.IO.Compression;
using Lottery.Data;

namespace Lottery.Tests.Data;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("lottery-data-test-").FullName;

    public string Sub(params string[] parts)
    {
        var dir = System.IO.Path.Combine([Path, .. parts]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public static class DataTestSupport
{
    /// <summary>Options that see nothing of the real machine: no env root, an empty cache, no system roots, offline.</summary>
    public static DataOptions Hermetic(string cacheRoot, params string[] systemRoots) => new()
    {
        EnvironmentDataRoot = null,
        CacheRoot = cacheRoot,
        SystemRoots = systemRoots,
        AllowDownload = false,
    };

    /// <summary>Empty placeholder files: the locator looks only at presence.</summary>
    public static string Placeholders(string root, DatasetSpec spec)
    {
        var dir = Path.Combine(root, spec.Directory);
        Directory.CreateDirectory(dir);
        foreach (var f in spec.RequiredFiles) File.WriteAllBytes(Path.Combine(dir, f.Name), []);
        return dir;
    }

    /// <summary>Copies a real dataset folder into <paramref name="root"/>/&lt;spec.Directory&gt; (writable copies).</summary>
    public static string CopyDataset(string sourceDir, string root, DatasetSpec spec)
    {
        var dir = Path.Combine(root, spec.Directory);
        Directory.CreateDirectory(dir);
        foreach (var f in spec.RequiredFiles) File.Copy(Path.Combine(sourceDir, f.Name), Path.Combine(dir, f.Name));
        return dir;
    }

    public static byte[] Gzip(byte[] content)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(content);
        return ms.ToArray();
    }

    public static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    public static int[] Histogram(byte[] labels, int classes)
    {
        var counts = new int[classes];
        foreach (var l in labels) counts[l]++;
        return counts;
    }
}
