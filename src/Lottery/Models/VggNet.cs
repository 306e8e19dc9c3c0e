using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// VGG-11/13/16/19 for CIFAR-10 as in open_lth and the paper's Section 4: stages of 3×3 same-padded convolutions,
/// each followed by batch norm and ReLU, 2×2 max-pooling between stages, then 2×2 average pooling and one linear
/// layer to the classes. Layers are named conv1…convN (with bn1…bnN) and fc. The width (first-stage channels) scales every
/// stage (64 is the paper's; narrower nets are for quick CPU runs).
/// </summary>
public sealed class VggNet : LotteryModel
{
    /// <summary>Channels of the convolutions per stage; a pool follows every stage but the last.</summary>
    public static readonly IReadOnlyDictionary<int, int[][]> Plans = new Dictionary<int, int[][]>
    {
        [11] = [[64], [128], [256, 256], [512, 512], [512, 512]],
        [13] = [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
        [16] = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
        [19] = [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]],
    };

    readonly List<(Conv2d Conv, HeldScalarBatchNorm2d Norm, bool PoolAfter)> _layers = [];
    readonly Linear _fc;

    public VggNet(string name, InputShape input, int depth, int width = 64) : base(name, input)
    {
        var plan = Plans[depth];
        long channels = input.Channels, h = input.Height, w = input.Width;
        for (int stage = 0; stage < plan.Length; stage++)
            for (int k = 0; k < plan[stage].Length; k++)
            {
                int n = _layers.Count + 1;
                long outChannels = (long)plan[stage][k] * width / 64;
                var conv = Add($"conv{n}", nn.Conv2d(channels, outChannels, 3, padding: 1));
                var norm = Add($"bn{n}", new HeldScalarBatchNorm2d(outChannels));
                bool pool = k == plan[stage].Length - 1 && stage < plan.Length - 1;
                _layers.Add((conv, norm, pool));
                channels = outChannels;
                if (pool) { h /= 2; w /= 2; }
            }
        _fc = Add("fc", nn.Linear(channels, input.Classes));
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var (conv, norm, pool) in _layers)
        {
            x = nn.functional.relu(norm.call(conv.call(x)));
            if (pool) x = nn.functional.max_pool2d(x, 2, 2);
        }
        // open_lth pools the last 2×2 map; the mean over the whole map is the same there and works for any input size.
        x = x.mean([2, 3]);
        return _fc.call(x);
    }
}
