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
    readonly List<PrunableTensor> _prunable = [];
    readonly long _flops;

    /// <param name="pairs">Output channels of each conv pair, e.g. [64, 128] for Conv-4.</param>
    public ConvNet(string name, InputShape input, IReadOnlyList<int> pairs, IReadOnlyList<int> fcWidths, double dropout = 0) : base(name)
    {
        _dropout = dropout;
        long channels = input.Channels, h = input.Height, w = input.Width;
        int index = 0;
        foreach (var width in pairs)
        {
            for (int k = 0; k < 2; k++)
            {
                index++;
                var conv = nn.Conv2d(channels, width, 3, padding: 1);
                register_module($"conv{index}", conv);
                _convs.Add(conv);
                _prunable.Add(new PrunableTensor($"conv{index}.weight", LayerKind.Conv, [width, channels, 3, 3]));
                _flops += 2 * h * w * width * channels * 9;
                channels = width;
            }
            h /= 2; w /= 2;
        }
        long features = channels * h * w;
        for (int i = 0; i < fcWidths.Count; i++)
        {
            var fc = nn.Linear(features, fcWidths[i]);
            register_module($"fc{i + 1}", fc);
            _fcs.Add(fc);
            _prunable.Add(new PrunableTensor($"fc{i + 1}.weight", LayerKind.FullyConnected, [fcWidths[i], features]));
            _flops += 2 * features * fcWidths[i];
            features = fcWidths[i];
        }
        _output = nn.Linear(features, input.Classes);
        register_module("out", _output);
        _prunable.Add(new PrunableTensor("out.weight", LayerKind.Output, [input.Classes, features]));
        _flops += 2 * features * input.Classes;
    }

    public override IReadOnlyList<PrunableTensor> PrunableTensors => _prunable;
    public override long ForwardFlopsPerExample => _flops;

    public override Tensor forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < _convs.Count; i++)
        {
            x = nn.functional.relu(_convs[i].forward(x));
            if (i % 2 == 1) x = nn.functional.max_pool2d(x, 2, 2);
        }
        x = x.flatten(1);
        foreach (var fc in _fcs)
        {
            x = nn.functional.relu(fc.forward(x));
            x = Dropout(x, _dropout);
        }
        return _output.forward(x);
    }
}
