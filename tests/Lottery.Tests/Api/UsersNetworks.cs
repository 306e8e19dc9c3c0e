using Lottery.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Tests.Api;

/// <summary>A residual block written by hand, as a user would in TorchSharp's idiom (fields registered by
/// RegisterComponents under their own names): two linear layers and a skip connection. The layers are invoked with
/// <c>call</c> so that forward hooks (the profile, the architecture description) see them.</summary>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // TorchSharp names submodules after their fields
    readonly nn.Module<Tensor, Tensor> inner, outer;
#pragma warning restore IDE1006

    public ResidualBlock(int width) : base("residual")
    {
        inner = nn.Linear(width, width);
        outer = nn.Linear(width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.relu(inner.call(x));
        return x.add(outer.call(h), global::Lottery.Training.Scalars.One).MoveToOuterDisposeScope();   // not x + …: an implicit Scalar (Training/Scalars.cs)
    }
}

/// <summary>The same block registered twice: TorchSharp registers the fields <c>_inner</c>/<c>_outer</c> by itself when
/// the module is used, and the code registers them again as <c>inner</c>/<c>outer</c>.</summary>
public sealed class TwiceRegisteredBlock : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> _inner;

    public TwiceRegisteredBlock(int width) : base("twice")
    {
        _inner = nn.Linear(width, width);
        register_module("inner", _inner);
    }

    public override Tensor forward(Tensor x) => _inner.call(x);
}

/// <summary>Networks of the users' own design (layer kinds and code the presets never use) and data as tensors.</summary>
public static class UsersNetworks
{
    /// <summary>Image rows as channels of a Conv1d (28 → 16, kernel 3) with batch norm, then linear 448 → width, a
    /// hand-written residual block, and a 4-class head.</summary>
    public static nn.Module<Tensor, Tensor> RowConvResidual(int width = 64) => nn.Sequential(
        ("rows", nn.Flatten(1, 2)),
        ("conv", nn.Conv1d(28, 16, 3, padding: 1)),
        ("norm", nn.BatchNorm1d(16)),
        ("relu", nn.ReLU()),
        ("flat", nn.Flatten()),
        ("hidden", nn.Linear(16 * 28, width)),
        ("relu2", nn.ReLU()),
        ("block", new ResidualBlock(width)),
        ("head", nn.Linear(width, 4)));

    /// <summary>The synthetic four-class images (<see cref="Synthetic.Raw"/>) as float tensors in [0, 1].</summary>
    public static UserDataset SyntheticTensors(string name = "synthetic-tensors", int seed = 7)
    {
        var raw = Synthetic.Raw(seed: seed);
        using var trainX = tensor(raw.TrainImages.Select(b => b / 255f).ToArray(), [raw.TrainLabels.Length, 1, 28, 28]);
        using var trainY = tensor(raw.TrainLabels.Select(b => (long)b).ToArray());
        using var testX = tensor(raw.TestImages.Select(b => b / 255f).ToArray(), [raw.TestLabels.Length, 1, 28, 28]);
        using var testY = tensor(raw.TestLabels.Select(b => (long)b).ToArray());
        return UserDataset.FromTensors(name, trainX, trainY, testX, testY);
    }
}
