using System.Formats.Tar;
using System.IO.Compression;

namespace Lottery.Data;

/// <summary>
/// Fetches a dataset's missing files into a directory. Every file is written under a temporary name in
/// the target directory, verified (content size and SHA-256), and only then renamed into place, so an
/// interrupted or corrupted download never leaves a file the locator would accept.
/// </summary>
internal sealed class DatasetDownloader(HttpClient http, Action<string>? log)
{
    /// <summary>
    /// Per-file URLs for the files of <paramref name="spec"/>. A mirror serves every dataset, CIFAR
    /// included, file by file as <c>&lt;mirror&gt;/&lt;dataset directory&gt;/&lt;file&gt;</c>. Empty when the
    /// spec is only available as an archive and there is no mirror.
    /// </summary>
    public static IReadOnlyList<(DatasetFile File, Uri Url)> FileSources(DatasetSpec spec, IEnumerable<DatasetFile> files, string? mirror)
    {
        var baseUrl = mirror is not null ? $"{mirror.TrimEnd('/')}/{spec.Directory}" : spec.FileBaseUrl?.TrimEnd('/');
        return baseUrl is null ? [] : files.Select(f => (f, new Uri($"{baseUrl}/{f.Name}"))).ToArray();
    }

    public void Download(DatasetSpec spec, string targetDir, string? mirror)
    {
        Directory.CreateDirectory(targetDir);
        var missing = spec.RequiredFiles.Where(f => !File.Exists(Path.Combine(targetDir, f.Name))).ToArray();
        if (missing.Length == 0) return;

        var sources = FileSources(spec, missing, mirror);
        if (sources.Count > 0)
        {
            foreach (var (file, url) in sources)
            {
                log?.Invoke($"downloading {url} -> {targetDir}");
                using var response = http.Send(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                using var body = response.Content.ReadAsStream();
                WriteVerified(body, file, targetDir, url.ToString());
            }
            return;
        }

        if (spec.ArchiveUrl is not { } archive)
            throw new DataException($"Dataset {spec.Name} has no download source; place its files in a data root by hand.");
        log?.Invoke($"downloading {archive} -> {targetDir}");
        using (var response = http.Send(new HttpRequestMessage(HttpMethod.Get, archive), HttpCompletionOption.ResponseHeadersRead))
        {
            response.EnsureSuccessStatusCode();
            using var body = response.Content.ReadAsStream();
            ExtractArchive(body, spec, targetDir, archive);
        }
    }

    /// <summary>
    /// Streams a .tar.gz (no copy of the archive on disk) and writes every member
    /// <c>&lt;spec.Directory&gt;/&lt;file&gt;</c> that the spec lists and the target lacks.
    /// </summary>
    internal static void ExtractArchive(Stream tarGz, DatasetSpec spec, string targetDir, string origin)
    {
        Directory.CreateDirectory(targetDir);
        var wanted = spec.Files.Where(f => !File.Exists(Path.Combine(targetDir, f.Name))).ToDictionary(f => f.Name);
        using var gzip = new GZipStream(tarGz, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        try
        {
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                var name = entry.Name.Replace('\\', '/').TrimStart('.', '/');
                var slash = name.LastIndexOf('/');
                if (slash < 0 || name[..slash] != spec.Directory) continue;  // only <directory>/<file>, never a path outside it
                if (wanted.Remove(name[(slash + 1)..], out var file))
                    WriteVerified(entry.DataStream, file, targetDir, $"{origin} member {name}");
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{origin} is not a valid .tar.gz archive ({e.Message}); try again later or use LOTTERY_DATA_MIRROR.", e);
        }
        var lacking = wanted.Values.Where(f => f.Required).Select(f => f.Name).ToArray();
        if (lacking.Length > 0)
            throw new DataException($"{origin} does not contain {string.Join(", ", lacking.Select(n => $"{spec.Directory}/{n}"))}; the archive is not the expected one.");
    }

    /// <summary>Copies <paramref name="source"/> to a temporary file, verifies it, then renames it to its real name.</summary>
    internal static void WriteVerified(Stream source, DatasetFile file, string targetDir, string origin)
    {
        var final = Path.Combine(targetDir, file.Name);
        // Hidden, unique, in the same directory: the rename is atomic and the locator never sees a partial file.
        var temp = Path.Combine(targetDir, $".{file.Name}.{Guid.NewGuid():N}.part");
        try
        {
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                source.CopyTo(output);

            long length; string sha;
            try { (length, sha) = ContentHash.Compute(temp, file.IsGzip); }
            catch (DataException e)
            {
                throw new DataException($"Downloaded {file.Name} from {origin} is not a valid gzip file; the download was discarded.", e);
            }
            if (sha != file.ContentSha256 || length != file.ContentSize)
                throw new DataException(
                    $"Downloaded {file.Name} from {origin} failed its checksum: expected SHA-256 {file.ContentSha256} ({file.ContentSize} bytes of content), " +
                    $"got {sha} ({length} bytes); the download was discarded.");
            File.Move(temp, final, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
