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

    public FullyConnectedNet(string name, InputShape input, IReadOnlyList<int> hidden, double dropout = 0) : base(name)
    {
        _dropout = dropout;
        long features = input.Features;
        for (int i = 0; i < hidden.Count; i++)
        {
            _hidden.Add(AddLinear($"fc{i + 1}", features, hidden[i], LayerKind.FullyConnected));
            features = hidden[i];
        }
        _output = AddLinear("out", features, input.Classes, LayerKind.Output);
    }

    public override Tensor forward(Tensor input)
    {
        var x = input.flatten(1);
        foreach (var layer in _hidden)
        {
            x = nn.functional.relu(layer.forward(x));
            x = Dropout(x, _dropout);
        }
        return _output.forward(x);
    }
}
