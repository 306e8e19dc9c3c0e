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
    readonly List<PrunableTensor> _prunable = [];
    readonly long _flops;

    public IReadOnlyList<int> HiddenWidths { get; }

    public FullyConnectedNet(string name, InputShape input, IReadOnlyList<int> hidden, double dropout = 0) : base(name)
    {
        HiddenWidths = hidden;
        _dropout = dropout;
        long inFeatures = input.Features;
        for (int i = 0; i < hidden.Count; i++)
        {
            var layer = nn.Linear(inFeatures, hidden[i]);
            register_module($"fc{i + 1}", layer);
            _hidden.Add(layer);
            _prunable.Add(new PrunableTensor($"fc{i + 1}.weight", LayerKind.FullyConnected, [hidden[i], inFeatures]));
            _flops += 2 * inFeatures * hidden[i];
            inFeatures = hidden[i];
        }
        _output = nn.Linear(inFeatures, input.Classes);
        register_module("out", _output);
        _prunable.Add(new PrunableTensor("out.weight", LayerKind.Output, [input.Classes, inFeatures]));
        _flops += 2 * inFeatures * input.Classes;
    }

    public override IReadOnlyList<PrunableTensor> PrunableTensors => _prunable;
    public override long ForwardFlopsPerExample => _flops;

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
