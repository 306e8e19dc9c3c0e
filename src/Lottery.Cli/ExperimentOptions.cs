using System.CommandLine;
using System.Globalization;
using Lottery.Hparams;

namespace Lottery.Cli;

/// <summary>
/// The flags that define an experiment: a preset and an override for every hyperparameter. The typed records
/// in Lottery.Hparams are the source of truth; this class only maps flags onto them.
/// </summary>
public sealed class ExperimentOptions
{
    public Option<string?> Preset { get; } = Flags.Text("--preset", "Paper setup to start from (`lottery presets` lists them); default lenet_fashion_mnist, or the conv preset of --model");
    public Option<string?> Model { get; } = Flags.Text("--model", "Model: lenet_300_100 (any lenet_W1_W2…), conv2, conv4, conv6");
    public Option<string?> Dataset { get; } = Flags.Text("--dataset", "Dataset: mnist, fashion-mnist, cifar10");
    public Option<string?> Iterations { get; } = Flags.Text("--iterations", "Training length as a step: 50000it, 160ep, 2ep100it");
    public Option<int?> BatchSize { get; } = Flags.Integer("--batch-size", "Examples per iteration", min: 1);
    public Option<string?> Optimizer { get; } = Flags.Text("--optimizer", "adam or sgd");
    public Option<double?> Lr { get; } = Flags.Number("--lr", "Learning rate");
    public Option<double?> Momentum { get; } = Flags.Number("--momentum", "SGD momentum");
    public Option<bool?> Nesterov { get; } = new("--nesterov") { Description = "SGD Nesterov momentum" };
    public Option<double?> WeightDecay { get; } = Flags.Number("--weight-decay", "L2 weight decay");
    public Option<string?> Warmup { get; } = Flags.Text("--warmup", "Linear learning-rate warmup length, as a step");
    public Option<string?> Milestones { get; } = Flags.Text("--milestones", "Comma-separated steps where the rate is multiplied by --gamma");
    public Option<double?> Gamma { get; } = Flags.Number("--gamma", "Step-decay factor");
    public Option<int?> EvalEvery { get; } = Flags.Integer("--eval-every", "Iterations between validation/test measurements (paper: 100)", min: 1);
    public Option<int?> TestEvery { get; } = Flags.Integer("--test-every", "Iterations between test measurements, a multiple of --eval-every (default: the same); the test accuracy at early stop and at the end stays exact", min: 1);
    public Option<double?> Dropout { get; } = Flags.Number("--dropout", "Dropout rate on the fully-connected hidden layers");
    public Option<string?> Initializer { get; } = Flags.Text("--initializer", "glorot_normal (paper), glorot_uniform, kaiming_normal, kaiming_uniform");
    public Option<int?> ValidationSize { get; } = Flags.Integer("--validation-size", "Training examples held out for validation (paper: 5000)");
    public Option<int?> SplitSeed { get; } = Flags.Integer("--split-seed", "Seed of the train/validation split");
    public Option<int?> TrainSubset { get; } = Flags.Integer("--train-subset", "Train on only this many examples (quick runs)", min: 1);
    public Option<bool> NoNormalize { get; } = new("--no-normalize") { Description = "Skip per-channel standardisation" };
    public Option<bool> Augment { get; } = new("--augment") { Description = "Random horizontal flips and 4-pixel pad-and-crop of training images (the deep CIFAR networks')" };
    public Option<string?> Strategy { get; } = Flags.Text("--strategy", "Pruning: layerwise or global");
    public Option<double?> ConvRate { get; } = Flags.Number("--conv-rate", "Layer-wise: fraction of conv weights pruned per round");
    public Option<double?> FcRate { get; } = Flags.Number("--fc-rate", "Layer-wise: fraction of hidden fc weights pruned per round");
    public Option<double?> OutputRate { get; } = Flags.Number("--output-rate", "Layer-wise: fraction of output weights pruned per round");
    public Option<string[]> LayerRate { get; } = new("--layer-rate") { Description = "Layer-wise override NAME=RATE (repeatable), e.g. fc1=0.3", AllowMultipleArgumentsPerToken = false };
    public Option<double?> GlobalRate { get; } = Flags.Number("--global-rate", "Global: fraction of remaining weights pruned per round");
    public Option<string?> Exclude { get; } = Flags.Text("--exclude", "Comma-separated tensors never pruned, under either strategy (e.g. fc3)");
    public Option<string?> Include { get; } = Flags.Text("--include", "Comma-separated tensors to prune; every other one keeps all its weights (default: every conv and linear weight)");

    public IEnumerable<Option> All => [Preset, Model, Dataset, Iterations, BatchSize, Optimizer, Lr, Momentum, Nesterov, WeightDecay,
        Warmup, Milestones, Gamma, EvalEvery, TestEvery, Dropout, Initializer, ValidationSize, SplitSeed, TrainSubset, NoNormalize, Augment,
        Strategy, ConvRate, FcRate, OutputRate, LayerRate, GlobalRate, Exclude, Include];

    public ExperimentHparams Build(ParseResult p)
    {
        var model = p.GetValue(Model);
        var presetName = p.GetValue(Preset)
            ?? (model is "conv2" or "conv4" or "conv6" ? (p.GetValue(Dropout) > 0 ? $"{model}_dropout_cifar10" : $"{model}_cifar10") : "lenet_fashion_mnist");
        var preset = PresetRegistry.Get(presetName).Hparams;
        var d = preset.Dataset;
        d = d with
        {
            Dataset = p.GetValue(Dataset) ?? d.Dataset,
            BatchSize = p.GetValue(BatchSize) ?? d.BatchSize,
            ValidationSize = p.GetValue(ValidationSize) ?? d.ValidationSize,
            SplitSeed = p.GetValue(SplitSeed) ?? d.SplitSeed,
            TrainSubset = p.GetValue(TrainSubset) ?? d.TrainSubset,
            Normalize = !p.GetValue(NoNormalize) && d.Normalize,
            Augment = p.GetValue(Augment) || d.Augment,
        };
        var m = preset.Model with
        {
            Model = model ?? preset.Model.Model,
            Dropout = p.GetValue(Dropout) ?? preset.Model.Dropout,
            Initializer = p.GetValue(Initializer) ?? preset.Model.Initializer,
        };
        var t = preset.Training with
        {
            Iterations = p.GetValue(Iterations) ?? preset.Training.Iterations,
            Optimizer = p.GetValue(Optimizer) ?? preset.Training.Optimizer,
            Lr = p.GetValue(Lr) ?? preset.Training.Lr,
            Momentum = p.GetValue(Momentum) ?? preset.Training.Momentum,
            Nesterov = p.GetValue(Nesterov) ?? preset.Training.Nesterov,
            WeightDecay = p.GetValue(WeightDecay) ?? preset.Training.WeightDecay,
            Warmup = p.GetValue(Warmup) ?? preset.Training.Warmup,
            Milestones = p.GetValue(Milestones) is { } ms ? SplitList(ms) : preset.Training.Milestones,
            Gamma = p.GetValue(Gamma) ?? preset.Training.Gamma,
            EvalEvery = p.GetValue(EvalEvery) ?? preset.Training.EvalEvery,
            TestEvery = p.GetValue(TestEvery) ?? preset.Training.TestEvery,
        };
        var pr = preset.Pruning with
        {
            Strategy = p.GetValue(Strategy) ?? preset.Pruning.Strategy,
            ConvRate = p.GetValue(ConvRate) ?? preset.Pruning.ConvRate,
            FcRate = p.GetValue(FcRate) ?? preset.Pruning.FcRate,
            OutputRate = p.GetValue(OutputRate) ?? preset.Pruning.OutputRate,
            LayerRates = p.GetValue(LayerRate) is { Length: > 0 } lr ? ParseLayerRates(lr) : preset.Pruning.LayerRates,
            GlobalRate = p.GetValue(GlobalRate) ?? preset.Pruning.GlobalRate,
            Exclude = p.GetValue(Exclude) is { } ex ? SplitList(ex) : preset.Pruning.Exclude,
            Include = p.GetValue(Include) is { } inc ? SplitList(inc) : preset.Pruning.Include,
        };
        RefuseInapplicable(p, pr.Strategy, m.Model);
        // Values are validated once, by the library, when the experiment is created; a name the command line cannot
        // load is refused here, before anything else.
        Data.DatasetRegistry.Get(d.Dataset);
        return new ExperimentHparams(d, m, t, pr);
    }

    /// <summary>The flag that sets each hyperparameter the library names in its messages (<see cref="HparamsException.Field"/>):
    /// the command line puts it in front of the message.</summary>
    public static readonly IReadOnlyDictionary<string, string> FlagOf = new Dictionary<string, string>
    {
        ["training.lr"] = "--lr", ["training.momentum"] = "--momentum", ["training.warmup"] = "--warmup", ["training.milestones"] = "--milestones",
        ["model.dropout"] = "--dropout", ["rewind"] = "--rewind", ["pruning.strategy"] = "--strategy", ["pruning.score"] = "--score",
        ["targets"] = "--targets", ["levels"] = "--levels", ["branch.draws"] = "--draws", ["branch.levels"] = "--levels",
        ["branch.targets"] = "--targets", ["replicates"] = "--replicate", ["branch.rewind_points"] = "--rewind-points",
        ["branch.points"] = "--points", ["branch.bn_statistics"] = "--bn-statistics", ["branch.threshold"] = "--threshold",
        ["branch.train_examples"] = "--train-examples", ["sparse"] = "--sparse",
    };

    /// <summary>Flags that would be silently ignored by this setup are refused instead.</summary>
    void RefuseInapplicable(ParseResult p, string strategy, string model)
    {
        bool Given(Option o) => p.GetResult(o) is { Implicit: false };
        if (strategy == "layerwise" && Given(GlobalRate))
            throw new HparamsException("--global-rate applies to --strategy global; layer-wise pruning uses --conv-rate, --fc-rate, --output-rate and --layer-rate");
        if (strategy == "global")
            foreach (var o in new Option[] { ConvRate, FcRate, OutputRate, LayerRate }.Where(Given))
                throw new HparamsException($"{o.Name} applies to --strategy layerwise; global pruning uses --global-rate (and --exclude for tensors never pruned)");
        if (Given(ConvRate) && model.StartsWith("lenet", StringComparison.Ordinal))
            throw new HparamsException($"--conv-rate: {model} has no convolutional layers; use --fc-rate and --output-rate");
    }

    static List<string> SplitList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    static Dictionary<string, double> ParseLayerRates(IEnumerable<string> items)
    {
        var rates = new Dictionary<string, double>();
        foreach (var item in items.SelectMany(SplitList))
        {
            var parts = item.Split('=');
            if (parts.Length != 2 || parts[0].Trim().Length == 0 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !double.IsFinite(rate))
                throw new HparamsException($"malformed --layer-rate '{item}': write NAME=RATE, e.g. fc1=0.3");
            rates[parts[0].Trim()] = rate;
        }
        return rates;
    }
}
