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
    ];

    public static Preset Get(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new HparamsException($"unknown preset '{name}': known presets are {string.Join(", ", All.Select(p => p.Name))}");
}
