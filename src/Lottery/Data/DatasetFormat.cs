namespace Lottery.Data;

/// <summary>How a dataset's files are laid out, which decides the reader the loader uses.</summary>
public enum DatasetFormat
{
    /// <summary>Gzipped IDX files (MNIST and its drop-in replacements): one images and one labels file per split.</summary>
    Idx,

    /// <summary>CIFAR-10 binary batches: records of one label byte followed by the image in CHW order.</summary>
    CifarBinary,
}
