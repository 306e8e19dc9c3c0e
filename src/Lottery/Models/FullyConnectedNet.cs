using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// LeNet-300-100 and its family: flatten, hidden fully-connected layers with ReLU (and optional dropout),
/// a linear output layer. Layers are named fc1, fc2, …, out.
/// </summary>
public sealed class FullyConnectedNet : LotteryModel
{
    readonly List<Linear> _hidden = [];
    readonly Linear _output;
    readonly double _dropout;

    public FullyConnectedNet(string name, InputShape input, IReadOnlyList<int> hidden, double dropout = 0) : base(name, input)
    {
        _dropout = dropout;
        long features = input.Features;
        for (int i = 0; i < hidden.Count; i++)
        {
            _hidden.Add(Add($"fc{i + 1}", nn.Linear(features, hidden[i])));
            features = hidden[i];
        }
        _output = Add("out", nn.Linear(features, input.Classes));
    }

    public override Tensor forward(Tensor input)
    {
        var x = input.flatten(1);
        foreach (var layer in _hidden)
        {
            x = nn.functional.relu(layer.call(x));
            x = Dropout(x, _dropout);
        }
        return _output.call(x);
    }
}
