namespace Lottery.Data;

/// <summary>
/// Locates, reads and verifies a dataset. Every file is hashed while it is parsed (one read per file)
/// and compared with the registry, so a run never trains on data other than what its manifest names.
/// </summary>
public static class DatasetLoader
{
    /// <summary>Loads the registered dataset <paramref name="name"/>.</summary>
    /// <param name="dataRoot">An explicit data root (the <c>--data-root</c> flag), searched first.</param>
    /// <param name="options">Environment-derived inputs; <see cref="DataOptions.FromEnvironment"/> when null.</param>
    /// <exception cref="DataException">Unknown name, not found, or a file fails verification.</exception>
    public static RawDataset Load(string name, string? dataRoot = null, DataOptions? options = null) =>
        Load(DatasetRegistry.Get(name), dataRoot, options);

    /// <inheritdoc cref="Load(string, string?, DataOptions?)"/>
    public static RawDataset Load(DatasetSpec spec, string? dataRoot = null, DataOptions? options = null) =>
        ReadDirectory(spec, new DatasetLocator(options).Locate(spec, dataRoot));

    /// <summary>Reads and verifies <paramref name="spec"/> from the dataset directory <paramref name="directory"/>.</summary>
    public static RawDataset ReadDirectory(DatasetSpec spec, string directory)
    {
        // Cheap stat before the expensive reads: a truncated uncompressed file fails in milliseconds.
        foreach (var f in spec.RequiredFiles.Where(f => !f.IsGzip))
        {
            var path = Path.GetFullPath(Path.Combine(directory, f.Name));
            if (!File.Exists(path)) throw new DataException($"{path} does not exist.");
            // The opened file's length, not FileInfo.Length: the latter is the link's own size for a symlinked file.
            long length;
            using (var stream = File.OpenRead(path)) length = stream.Length;
            if (length != f.ContentSize)
                throw new DataException($"{path} is corrupted: {length} bytes, expected {f.ContentSize} (truncated or the wrong file); delete it or download it again.");
        }

        var checksums = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var (trainImages, trainLabels) = ReadSplit(spec, directory, spec.TrainFiles, spec.TrainCount, checksums);
        var (testImages, testLabels) = ReadSplit(spec, directory, spec.TestFiles, spec.TestCount, checksums);

        // Optional files are recorded when present; they are verified too, so the manifest never records a wrong one.
        foreach (var f in spec.Files.Where(f => !f.Required))
        {
            var path = Path.Combine(directory, f.Name);
            if (!File.Exists(path)) continue;
            var (length, sha) = ContentHash.Compute(path, f.IsGzip);
            Verify(spec, f, path, sha, length);
            checksums[f.Name] = sha;
        }

        return new RawDataset
        {
            Spec = spec,
            Root = directory,
            TrainImages = trainImages, TrainLabels = trainLabels,
            TestImages = testImages, TestLabels = testLabels,
            FileChecksums = checksums,
        };
    }

    static (byte[] Images, byte[] Labels) ReadSplit(
        DatasetSpec spec, string directory, IReadOnlyList<string> files, int count, IDictionary<string, string> checksums) =>
        spec.Format switch
        {
            DatasetFormat.Idx => ReadIdxSplit(spec, directory, files, count, checksums),
            DatasetFormat.CifarBinary => ReadCifarSplit(spec, directory, files, count, checksums),
            _ => throw new NotSupportedException($"Dataset format {spec.Format}."),
        };

    static (byte[], byte[]) ReadIdxSplit(DatasetSpec spec, string directory, IReadOnlyList<string> files, int count, IDictionary<string, string> checksums)
    {
        if (files.Count != 2) throw new InvalidOperationException($"IDX dataset {spec.Name} must list (images, labels) per split.");
        var imagesPath = Path.Combine(directory, files[0]);
        var labelsPath = Path.Combine(directory, files[1]);

        var images = IdxReader.ReadImages(imagesPath);
        Verify(spec, spec.GetFile(files[0]), imagesPath, images.ContentSha256, images.ContentLength);
        var labels = IdxReader.ReadLabels(labelsPath);
        Verify(spec, spec.GetFile(files[1]), labelsPath, labels.ContentSha256, labels.ContentLength);

        // With verified checksums these cannot fail for registered specs; they guard hand-made specs.
        if (images.Count != count || images.Shape[1] != spec.Height || images.Shape[2] != spec.Width)
            throw new DataException($"{imagesPath} holds {string.Join('x', images.Shape)} images, expected {count}x{spec.Height}x{spec.Width}.");
        if (labels.Count != count)
            throw new DataException($"{labelsPath} holds {labels.Count} labels, expected {count}.");
        CheckLabels(spec, labelsPath, labels.Data);

        checksums[files[0]] = images.ContentSha256;
        checksums[files[1]] = labels.ContentSha256;
        return (images.Data, labels.Data);
    }

    static (byte[], byte[]) ReadCifarSplit(DatasetSpec spec, string directory, IReadOnlyList<string> files, int count, IDictionary<string, string> checksums)
    {
        var images = new byte[(long)count * spec.ImageSize];
        var labels = new byte[count];
        int filled = 0;
        foreach (var name in files)
        {
            var path = Path.Combine(directory, name);
            var batch = CifarBinaryReader.Read(path, spec.Classes);
            Verify(spec, spec.GetFile(name), path, batch.Sha256, (long)batch.Count * CifarBinaryReader.RecordBytes);
            if (filled + batch.Count > count)
                throw new DataException($"{path} brings the split to more than {count} images.");
            batch.Images.CopyTo(images.AsSpan(filled * spec.ImageSize));
            batch.Labels.CopyTo(labels.AsSpan(filled));
            filled += batch.Count;
            checksums[name] = batch.Sha256;
        }
        if (filled != count)
            throw new DataException($"{string.Join(", ", files)} in {directory} hold {filled} images, expected {count}.");
        return (images, labels);
    }

    static void CheckLabels(DatasetSpec spec, string path, byte[] labels)
    {
        int bad = Array.FindIndex(labels, l => l >= spec.Classes);
        if (bad >= 0)
            throw new DataException($"{path} holds label {labels[bad]} at index {bad}, but {spec.Name} has {spec.Classes} classes; the file is corrupted.");
    }

    static void Verify(DatasetSpec spec, DatasetFile file, string path, string sha, long length)
    {
        if (sha != file.ContentSha256 || length != file.ContentSize)
            throw new DataException(
                $"{path} is corrupted: SHA-256 of its content is {sha} ({length} bytes), expected {file.ContentSha256} ({file.ContentSize} bytes) for {spec.Name}; " +
                "delete it or download it again.");
    }
}
