namespace Lottery.Data;

/// <summary>
/// Everything the toolkit knows about a dataset before touching the disk: shape, sizes, files with their
/// checksums, and where to download it from.
/// </summary>
public sealed record DatasetSpec
{
    /// <summary>Registry name, as typed on the command line (e.g. <c>mnist</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Subfolder of a data root that holds the files (e.g. <c>cifar-10-batches-bin</c>).</summary>
    public required string Directory { get; init; }

    public required DatasetFormat Format { get; init; }
    public required int Channels { get; init; }
    public required int Height { get; init; }
    public required int Width { get; init; }
    public required int Classes { get; init; }
    /// <summary>Human-readable class names, indexed by label.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    public required int TrainCount { get; init; }
    public required int TestCount { get; init; }

    /// <summary>All files of the dataset, required and optional.</summary>
    public required IReadOnlyList<DatasetFile> Files { get; init; }

    /// <summary>Training files in read order. <see cref="DatasetFormat.Idx"/>: exactly (images, labels);
    /// <see cref="DatasetFormat.CifarBinary"/>: the batch files, concatenated in this order.</summary>
    public required IReadOnlyList<string> TrainFiles { get; init; }

    /// <summary>Test files, with the same convention as <see cref="TrainFiles"/>.</summary>
    public required IReadOnlyList<string> TestFiles { get; init; }

    /// <summary>Base URL that serves each file as <c>&lt;base&gt;/&lt;file name&gt;</c>, when upstream has one.</summary>
    public string? FileBaseUrl { get; init; }

    /// <summary>URL of a .tar.gz whose members are <c>&lt;Directory&gt;/&lt;file name&gt;</c>, used when there is no per-file URL.</summary>
    public string? ArchiveUrl { get; init; }

    /// <summary>Debian package that installs the dataset under /usr/share/datasets, if one exists; named in "not found" hints.</summary>
    public string? SystemPackage { get; init; }

    /// <summary>Bytes per example image (C*H*W).</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>The files that must all be present for a directory to count as holding this dataset.</summary>
    public IEnumerable<DatasetFile> RequiredFiles => Files.Where(f => f.Required);

    /// <summary>The upstream download URLs (before any mirror override), for messages and documentation.</summary>
    public IReadOnlyList<string> DownloadUrls =>
        FileBaseUrl is { } b ? RequiredFiles.Select(f => $"{b.TrimEnd('/')}/{f.Name}").ToArray()
        : ArchiveUrl is { } a ? [a]
        : [];

    /// <summary>The file entry called <paramref name="name"/>; throws for a name the spec does not list (a bug, not user error).</summary>
    public DatasetFile GetFile(string name) =>
        Files.FirstOrDefault(f => f.Name == name)
        ?? throw new ArgumentException($"Dataset {Name} has no file {name}.", nameof(name));
}
