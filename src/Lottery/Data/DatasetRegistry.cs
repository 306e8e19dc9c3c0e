namespace Lottery.Data;

/// <summary>
/// The datasets the toolkit can load, by name. A plain static table: the set is small and fixed, and the
/// checksums in it are the ground truth every loaded file is verified against.
/// </summary>
public static class DatasetRegistry
{
    // IDX sizes: 16-byte header + 60000/10000 images of 28x28, 8-byte header + one byte per label.
    const long TrainImagesBytes = 16 + 60000L * 28 * 28, TrainLabelsBytes = 8 + 60000;
    const long TestImagesBytes = 16 + 10000L * 28 * 28, TestLabelsBytes = 8 + 10000;

    static readonly string[] IdxTrain = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"];
    static readonly string[] IdxTest = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    public static readonly DatasetSpec Mnist = new()
    {
        Name = "mnist",
        Directory = "mnist",
        Format = DatasetFormat.Idx,
        Channels = 1, Height = 28, Width = 28, Classes = 10,
        ClassNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        TrainCount = 60000, TestCount = 10000,
        TrainFiles = IdxTrain, TestFiles = IdxTest,
        // Distributed sizes/hashes are those of LeCun's original .gz files (the copies in shared/datasets).
        Files =
        [
            new("train-images-idx3-ubyte.gz", TrainImagesBytes, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
            new("train-labels-idx1-ubyte.gz", TrainLabelsBytes, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
            new("t10k-images-idx3-ubyte.gz", TestImagesBytes, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
            new("t10k-labels-idx1-ubyte.gz", TestLabelsBytes, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
                4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        ],
        // yann.lecun.com throttles/blocks scripted downloads; PyTorch's S3 copy serves the same bytes.
        FileBaseUrl = "https://ossci-datasets.s3.amazonaws.com/mnist",
    };

    public static readonly DatasetSpec FashionMnist = new()
    {
        Name = "fashion-mnist",
        Directory = "fashion-mnist",
        Format = DatasetFormat.Idx,
        Channels = 1, Height = 28, Width = 28, Classes = 10,
        ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        TrainCount = 60000, TestCount = 10000,
        TrainFiles = IdxTrain, TestFiles = IdxTest,
        // Distributed sizes are Zalando's .gz files; Debian's copies are 23-24 bytes shorter (re-gzipped
        // without the stored file name), which is why only the content hash identifies a file. Zalando's
        // .gz SHA-256s were not measured here, so they are left unknown rather than guessed.
        Files =
        [
            new("train-images-idx3-ubyte.gz", TrainImagesBytes, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 26421880),
            new("train-labels-idx1-ubyte.gz", TrainLabelsBytes, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 29515),
            new("t10k-images-idx3-ubyte.gz", TestImagesBytes, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 4422102),
            new("t10k-labels-idx1-ubyte.gz", TestLabelsBytes, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 5148),
        ],
        FileBaseUrl = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
        SystemPackage = "dataset-fashion-mnist",
    };

    // Each CIFAR-10 batch: 10,000 records of <1 label byte><1024 R><1024 G><1024 B>.
    const long CifarBatchBytes = 10000L * (1 + 3 * 32 * 32);

    public static readonly DatasetSpec Cifar10 = new()
    {
        Name = "cifar10",
        Directory = "cifar-10-batches-bin",
        Format = DatasetFormat.CifarBinary,
        Channels = 3, Height = 32, Width = 32, Classes = 10,
        ClassNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
        TrainCount = 50000, TestCount = 10000,
        TrainFiles = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
        TestFiles = ["test_batch.bin"],
        // The .bin files are distributed uncompressed inside the tarball, so content == file.
        Files =
        [
            Bin("data_batch_1.bin", "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5"),
            Bin("data_batch_2.bin", "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed"),
            Bin("data_batch_3.bin", "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67"),
            Bin("data_batch_4.bin", "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48"),
            Bin("data_batch_5.bin", "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add"),
            Bin("test_batch.bin", "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b"),
            new("batches.meta.txt", 61, "558e74b5e208382e186da55784b4bac2cd52e558448e1b5800990fdb28ed8033",
                61, "558e74b5e208382e186da55784b4bac2cd52e558448e1b5800990fdb28ed8033", Required: false),
        ],
        ArchiveUrl = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    };

    static DatasetFile Bin(string name, string sha256) => new(name, CifarBatchBytes, sha256, CifarBatchBytes, sha256);

    /// <summary>Every registered dataset, in the order they are listed to users.</summary>
    public static IReadOnlyList<DatasetSpec> All { get; } = [Mnist, FashionMnist, Cifar10];

    /// <summary>The registered names, for help texts and error messages.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(s => s.Name).ToArray();

    /// <summary>The spec called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static DatasetSpec? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The spec called <paramref name="name"/>; a <see cref="DataException"/> listing the known names otherwise.</summary>
    public static DatasetSpec Get(string name) =>
        Find(name) ?? throw new DataException($"unknown dataset '{name}': known datasets are {string.Join(", ", Names)}");
}
