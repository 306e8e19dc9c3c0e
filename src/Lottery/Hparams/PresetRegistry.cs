namespace Lottery.Hparams;

/// <summary>
/// The paper's setups (Frankle &amp; Carbin 2019, Figure 2 and Appendices), as a plain registry.
/// Layer-wise pruning rates per round: LeNet hidden 20%, output 10%; Conv-2/4 conv 10%, fc 20%, output 10%;
/// Conv-6 conv 15%. Dropout variants train longer at the rates the paper gives for them.
/// </summary>
public static class PresetRegistry
{
    static readonly PruningHparams LeNetPruning = new(Strategy: "layerwise", ConvRate: 0, FcRate: 0.2, OutputRate: 0.1);
    static readonly PruningHparams Conv24Pruning = new(Strategy: "layerwise", ConvRate: 0.1, FcRate: 0.2, OutputRate: 0.1);
    static readonly PruningHparams Conv6Pruning = new(Strategy: "layerwise", ConvRate: 0.15, FcRate: 0.2, OutputRate: 0.1);

    const string Figure2 = "paper, Figure 2";

    static Preset LeNet(string name, string dataset, string description, string source) => new(name, description, new(
        new DatasetHparams(dataset, BatchSize: 60),
        new ModelHparams("lenet_300_100"),
        new TrainingHparams("adam", 1.2e-3, "50000it"),
        LeNetPruning), source);

    static Preset Conv(string model, double dropout, double lr, string iterations, PruningHparams pruning)
    {
        var name = dropout > 0 ? $"{model}_dropout_cifar10" : $"{model}_cifar10";
        var description = $"{model.Replace("conv", "Conv-")}{(dropout > 0 ? " with dropout 0.5" : "")} on CIFAR-10, Adam {lr:0.####e0}, {iterations}, batch 60";
        return new(name, description, new(
            new DatasetHparams("cifar10", BatchSize: 60),
            new ModelHparams(model, Dropout: dropout),
            new TrainingHparams("adam", lr, iterations),
            pruning), dropout > 0 ? "paper, Figure 2; dropout on the fc layers (where is not stated)" : Figure2);
    }

    // The deep networks (Section 4, Appendix I): SGD with momentum 0.9 and weight decay 1e-4, the standard CIFAR
    // augmentation, global pruning of 20% per round with the layers the paper leaves dense excluded. Lengths are in
    // iterations because the paper's are: 160 epochs of 45K at batch 64 is 112,480 iterations there (703 per epoch,
    // the last partial batch dropped), while this program counts the partial batch (704 per epoch).
    static readonly PruningHparams VggPruning = new(Strategy: "global", GlobalRate: 0.2, Exclude: ["fc.weight"]);
    static readonly PruningHparams ResNetPruning = new(Strategy: "global", GlobalRate: 0.2,
        Exclude: ["block2_1.shortcut.weight", "block3_1.shortcut.weight", "fc.weight"]);
    const string Section4 = "paper, Section 4 and Appendix I";

    static Preset Deep(string name, string description, string model, int batch, double lr, string iterations, string? warmup,
        string[] milestones, PruningHparams pruning, string source, int evalEvery = 100, int? testEvery = null) => new(name, description, new(
            new DatasetHparams("cifar10", BatchSize: batch, Augment: true),
            new ModelHparams(model),
            new TrainingHparams("sgd", lr, iterations, Momentum: 0.9, WeightDecay: 1e-4, Warmup: warmup, Milestones: milestones,
                EvalEvery: evalEvery, TestEvery: testEvery),
            pruning), source);

    static readonly string[] VggMilestones = ["56240it", "84360it"];       // epochs 80 and 120 of 703 iterations
    static readonly string[] ResNetMilestones = ["20000it", "25000it"];

    /// <summary>The paper's VGG-19: 160 epochs at batch 64; <paramref name="variant"/> names the learning rate setting.</summary>
    static Preset Vgg19(string variant, double lr, string? warmup, string note) =>
        Deep($"vgg19_{variant}_cifar10", $"VGG-19 on CIFAR-10, SGD {lr}{note}, 160 epochs, batch 64",
            "vgg19", 64, lr, "112480it", warmup, VggMilestones, VggPruning, Section4);

    /// <summary>The paper's "ResNet-18" (the CIFAR ResNet-20): 30K iterations at batch 128.</summary>
    static Preset ResNet20(string variant, double lr, string? warmup, string note) =>
        Deep($"resnet20_{variant}_cifar10", $"CIFAR ResNet-20 (the paper's \"ResNet-18\") on CIFAR-10, SGD {lr}{note}, 30K iterations, batch 128",
            "resnet20", 128, lr, "30000it", warmup, ResNetMilestones, ResNetPruning, Section4);

    public static readonly IReadOnlyList<Preset> All =
    [
        LeNet("lenet_mnist", "mnist", "LeNet-300-100 on MNIST, Adam 1.2e-3, 50K iterations, batch 60 (the paper's Figure 3)", Figure2),
        LeNet("lenet_fashion_mnist", "fashion-mnist", "LeNet-300-100 on Fashion-MNIST with the MNIST hyperparameters",
            "not in the paper (its MNIST setup on Fashion-MNIST)"),
        Conv("conv2", 0, 2e-4, "20000it", Conv24Pruning),
        Conv("conv4", 0, 3e-4, "25000it", Conv24Pruning),
        Conv("conv6", 0, 3e-4, "30000it", Conv6Pruning),
        Conv("conv2", 0.5, 3e-4, "60000it", Conv24Pruning),
        Conv("conv4", 0.5, 2e-4, "75000it", Conv24Pruning),
        Conv("conv6", 0.5, 2e-4, "90000it", Conv6Pruning),
        Vgg19("warmup", 0.1, "10000it", " with 10K-iteration warmup (finds winning tickets)"),
        Vgg19("lr0.1", 0.1, null, " without warmup (no winning tickets in the paper)"),
        Vgg19("lr0.01", 0.01, null, ""),
        ResNet20("warmup", 0.03, "20000it", " with 20K warmup (the best)"),
        ResNet20("lr0.1", 0.1, null, ""),
        ResNet20("lr0.01", 0.01, null, ""),
        // Findable under the paper's own name, without calling the network ResNet-18: the hyperparameters (and so the
        // run directory) are exactly resnet20_warmup_cifar10's.
        new("resnet18_paper_cifar10", "the paper's \"Resnet-18\" experiment as its Section 4 figure shows it: really the 20-layer CIFAR ResNet " +
            "(resnet20, 271K weights; an ImageNet ResNet-18 has 11M), SGD 0.03 with 20K warmup; the same run as resnet20_warmup_cifar10",
            ResNet20("warmup", 0.03, "20000it", "").Hparams, Section4 + " (its ResNet figure)"),
        // Shortened for a CPU: the same procedure at a fraction of the length (schedule scaled with it), measured less
        // often; VGG at a quarter of the width (1/16 of the arithmetic).
        Deep("vgg19_warmup_cifar10_short", "SHORTENED for a CPU: VGG-19 at width 16 (vgg19_16), 1,000 iterations with warmup 89 and decay at 500 and 750; measured every 250",
            "vgg19_16", 64, 0.1, "1000it", "89it", ["500it", "750it"], VggPruning, "shortened from " + Section4, evalEvery: 250),
        Deep("resnet20_warmup_cifar10_short", "SHORTENED for a CPU: ResNet-20, 500 iterations with warmup 333 and decay at 333 and 417; measured every 250",
            "resnet20", 128, 0.03, "500it", "333it", ["333it", "417it"], ResNetPruning, "shortened from " + Section4, evalEvery: 250),
    ];

    public static Preset Get(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new HparamsException($"unknown preset '{name}': known presets are {string.Join(", ", All.Select(p => p.Name))}");
}
