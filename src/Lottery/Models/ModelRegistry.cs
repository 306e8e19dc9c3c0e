using System.Text.RegularExpressions;
using Lottery.Hparams;

namespace Lottery.Models;

/// <summary>Model names to constructors: lenet_W1_W2… (any hidden widths), conv2, conv4, conv6.</summary>
public static partial class ModelRegistry
{
    [GeneratedRegex(@"^lenet((?:_\d+)+)$")]
    private static partial Regex LeNetName();

    public static readonly IReadOnlyList<string> Examples = ["lenet_300_100", "lenet_500_300", "conv2", "conv4", "conv6"];

    static readonly IReadOnlyDictionary<string, int[]> ConvPairs = new Dictionary<string, int[]>
    {
        ["conv2"] = [64],
        ["conv4"] = [64, 128],
        ["conv6"] = [64, 128, 256],
    };

    /// <summary>Throws <see cref="HparamsException"/> for an unknown name.</summary>
    public static void Validate(string name)
    {
        if (ConvPairs.ContainsKey(name)) return;
        var m = LeNetName().Match(name);
        if (m.Success && m.Groups[1].Value.Split('_', StringSplitOptions.RemoveEmptyEntries).All(w => int.TryParse(w, out var v) && v > 0)) return;
        throw new HparamsException($"unknown model '{name}': use lenet_W1_W2… (e.g. {string.Join(", ", Examples)})");
    }

    /// <summary>Builds the model with default (uninitialized for our purposes) weights; call
    /// <see cref="Initializers.Apply"/> to give it its seeded initialization.</summary>
    public static LotteryModel Create(ModelHparams hparams, InputShape input)
    {
        Validate(hparams.Model);
        if (ConvPairs.TryGetValue(hparams.Model, out var pairs))
            return new ConvNet(hparams.Model, input, pairs, [256, 256], hparams.Dropout);
        var widths = LeNetName().Match(hparams.Model).Groups[1].Value
            .Split('_', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        return new FullyConnectedNet(hparams.Model, input, widths, hparams.Dropout);
    }
}
