using Lottery.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// The CIFAR ResNet of He et al. 2016 as open_lth builds it (`cifar_resnet_D_W`), the paper's "ResNet-18": a 3×3
/// convolution to W channels, three stages of (D − 2)/6 residual blocks at W, 2W and 4W channels (the first block of
/// stages 2 and 3 halves the resolution), global average pooling and one linear layer. A block is conv3×3 → batch
/// norm → ReLU → conv3×3 → batch norm, plus a shortcut that is the identity, or a 1×1 convolution with batch norm
/// where the shape changes; then ReLU. Convolutions have no bias. Names: conv, bn, block{stage}_{index}.conv1 …,
/// block{stage}_{index}.shortcut (and shortcut_bn), fc. ResNet-20 (W 16): 3×3 conv 267,696, shortcuts 2,560, fc 640.
/// </summary>
public sealed class CifarResNet : LotteryModel
{
    sealed class Block : nn.Module<Tensor, Tensor>
    {
        readonly Conv2d conv1, conv2;
        readonly HeldScalarBatchNorm2d bn1, bn2;
        readonly Conv2d? shortcut;
        readonly HeldScalarBatchNorm2d? shortcut_bn;

        public Block(string name, long inChannels, long outChannels, long stride) : base(name)
        {
            conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
            bn1 = new HeldScalarBatchNorm2d(outChannels);
            conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
            bn2 = new HeldScalarBatchNorm2d(outChannels);
            if (stride != 1 || inChannels != outChannels)
            {
                shortcut = nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false);
                shortcut_bn = new HeldScalarBatchNorm2d(outChannels);
            }
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var y = bn2.call(conv2.call(nn.functional.relu(bn1.call(conv1.call(x)))));
            var s = shortcut is null ? x : shortcut_bn!.call(shortcut.call(x));
            // add with an explicit alpha: `y + s` makes TorchSharp pass an unreferenced implicit Scalar (see Training/Scalars.cs).
            return nn.functional.relu(y.add(s, Scalars.One));
        }
    }

    readonly Conv2d _conv;
    readonly HeldScalarBatchNorm2d _bn;
    readonly List<Block> _blocks = [];
    readonly Linear _fc;

    /// <summary>Names of the 1×1 shortcut convolutions' weights (the paper leaves them unpruned).</summary>
    public IReadOnlyList<string> ShortcutTensors { get; }

    public CifarResNet(string name, InputShape input, int depth, int width = 16) : base(name, input)
    {
        if ((depth - 2) % 6 != 0 || depth < 8) throw new ArgumentException($"CIFAR ResNet depth must be 6n+2 ≥ 8 (got {depth})");
        int blocks = (depth - 2) / 6;
        _conv = Add("conv", nn.Conv2d(input.Channels, width, 3, padding: 1, bias: false));
        _bn = Add("bn", new HeldScalarBatchNorm2d(width));
        var shortcuts = new List<string>();
        long channels = width;
        for (int stage = 1; stage <= 3; stage++)
        {
            long outChannels = (long)width << (stage - 1);
            for (int b = 1; b <= blocks; b++)
            {
                long stride = stage > 1 && b == 1 ? 2 : 1;
                var blockName = $"block{stage}_{b}";
                _blocks.Add(Add(blockName, new Block(blockName, channels, outChannels, stride)));
                if (stride != 1 || channels != outChannels) shortcuts.Add($"{blockName}.shortcut.weight");
                channels = outChannels;
            }
        }
        ShortcutTensors = shortcuts;
        _fc = Add("fc", nn.Linear(channels, input.Classes));
    }

    public override Tensor forward(Tensor input)
    {
        var x = nn.functional.relu(_bn.call(_conv.call(input)));
        foreach (var block in _blocks) x = block.call(x);
        return _fc.call(x.mean([2, 3]));
    }
}
