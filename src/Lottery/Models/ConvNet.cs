using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// Conv-2/4/6 (the paper's VGG-like CIFAR-10 nets): pairs of 3×3 same-padded convolutions with ReLU, each pair
/// followed by 2×2 max-pooling; then fully-connected 256, 256 with ReLU (dropout on these when asked) and a
/// linear output. Layers are named conv1…convN, fc1, fc2, out.
/// </summary>
public sealed class ConvNet : LotteryModel
{
    readonly List<Conv2d> _convs = [];
    readonly List<Linear> _fcs = [];
    readonly Linear _output;
    readonly double _dropout;

    /// <param name="pairs">Output channels of each conv pair, e.g. [64, 128] for Conv-4.</param>
    public ConvNet(string name, InputShape input, IReadOnlyList<int> pairs, IReadOnlyList<int> fcWidths, double dropout = 0) : base(name, input)
    {
        _dropout = dropout;
        long channels = input.Channels, h = input.Height, w = input.Width;
        foreach (var width in pairs)
        {
            for (int k = 0; k < 2; k++)
            {
                _convs.Add(Add($"conv{_convs.Count + 1}", nn.Conv2d(channels, width, 3, padding: 1)));
                channels = width;
            }
            h /= 2; w /= 2;
        }
        long features = channels * h * w;
        for (int i = 0; i < fcWidths.Count; i++)
        {
            _fcs.Add(Add($"fc{i + 1}", nn.Linear(features, fcWidths[i])));
            features = fcWidths[i];
        }
        _output = Add("out", nn.Linear(features, input.Classes));
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < _convs.Count; i++)
        {
            x = nn.functional.relu(_convs[i].call(x));
            if (i % 2 == 1) x = nn.functional.max_pool2d(x, 2, 2);
        }
        x = x.flatten(1);
        foreach (var fc in _fcs)
        {
            x = nn.functional.relu(fc.call(x));
            x = Dropout(x, _dropout);
        }
        return _output.call(x);
    }
}
