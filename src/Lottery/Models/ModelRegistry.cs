using System.Text.RegularExpressions;
using Lottery.Hparams;

namespace Lottery.Models;

/// <summary>Model names to constructors: lenet_W1_W2… (any hidden widths), conv2, conv4, conv6, vgg11/13/16/19
/// (vggD_W: first-stage width W, the paper's 64 by default), resnet20 and the CIFAR ResNet family resnet_D[_W]
/// (depth D = 6n+2, width W, 16 by default).</summary>
public static partial class ModelRegistry
{
    [GeneratedRegex(@"^lenet((?:_\d+)+)$")]
    private static partial Regex LeNetName();

    [GeneratedRegex(@"^vgg(11|13|16|19)(?:_(\d+))?$")]
    private static partial Regex VggName();

    [GeneratedRegex(@"^resnet(?:_(\d+)|(20))(?:_(\d+))?$")]
    private static partial Regex ResNetName();

    public static readonly IReadOnlyList<string> Examples = ["lenet_300_100", "lenet_500_300", "conv2", "conv4", "conv6", "vgg19", "vgg19_16", "resnet20", "resnet_56", "resnet_20_64"];

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
        if (VggName().Match(name) is { Success: true } vgg)
        {
            if (!vgg.Groups[2].Success || int.TryParse(vgg.Groups[2].Value, out var w) && w is >= 1 and <= 1024) return;
            throw new HparamsException($"model '{name}': a VGG width must be 1 to 1024");
        }
        if (ResNetName().Match(name) is { Success: true } resnet)
        {
            var depthText = resnet.Groups[1].Success ? resnet.Groups[1].Value : resnet.Groups[2].Value;
            bool depthOk = int.TryParse(depthText, out var d) && d >= 8 && d <= 1000 && (d - 2) % 6 == 0;
            bool widthOk = !resnet.Groups[3].Success || int.TryParse(resnet.Groups[3].Value, out var rw) && rw is >= 1 and <= 1024;
            if (depthOk && widthOk) return;
            throw new HparamsException($"model '{name}': a CIFAR ResNet's depth is 6n+2 (8, 14, 20, 32, 44, 56, 110…) and its width 1 to 1024");
        }
        var m = LeNetName().Match(name);
        if (m.Success && m.Groups[1].Value.Split('_', StringSplitOptions.RemoveEmptyEntries).All(w => int.TryParse(w, out var v) && v > 0)) return;
        throw new HparamsException($"unknown model '{name}': use lenet_W1_W2…, conv2/4/6, vgg11/13/16/19[_W] or resnet_D[_W] (e.g. {string.Join(", ", Examples)})");
    }

    /// <summary>Builds the model with default (uninitialized for our purposes) weights; call
    /// <see cref="Initializers.Apply"/> to give it its seeded initialization.</summary>
    public static LotteryModel Create(ModelHparams hparams, InputShape input)
    {
        Validate(hparams.Model);
        if (ConvPairs.TryGetValue(hparams.Model, out var pairs))
            return new ConvNet(hparams.Model, input, pairs, [256, 256], hparams.Dropout);
        if (hparams.Dropout > 0 && (VggName().IsMatch(hparams.Model) || ResNetName().IsMatch(hparams.Model)))
            throw new HparamsException($"dropout applies to the fully-connected layers of lenet and conv nets; {hparams.Model} has none to drop (batch norm instead)", "model.dropout");
        if (VggName().Match(hparams.Model) is { Success: true } vgg)
            return new VggNet(hparams.Model, input, int.Parse(vgg.Groups[1].Value), vgg.Groups[2].Success ? int.Parse(vgg.Groups[2].Value) : 64);
        if (ResNetName().Match(hparams.Model) is { Success: true } resnet)
            return new CifarResNet(hparams.Model, input, int.Parse(resnet.Groups[1].Success ? resnet.Groups[1].Value : resnet.Groups[2].Value),
                resnet.Groups[3].Success ? int.Parse(resnet.Groups[3].Value) : 16);
        var widths = LeNetName().Match(hparams.Model).Groups[1].Value
            .Split('_', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        return new FullyConnectedNet(hparams.Model, input, widths, hparams.Dropout);
    }
}
