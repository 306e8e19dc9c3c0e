using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// Any network composed of standard TorchSharp layers (an nn.Sequential, or a module of one's own) as a
/// <see cref="LotteryModel"/>: the arena, initializer, pruner and trainer then treat it exactly like a built-in
/// network. The network's children, parameters and buffers are registered directly on this module, so every
/// tensor keeps the name it has in the network ("conv1.weight", not "network.conv1.weight") and saved weights load
/// back into the network as it is.
/// </summary>
public sealed class AdoptedModel : LotteryModel
{
    readonly nn.Module<Tensor, Tensor> _network;

    public AdoptedModel(string name, nn.Module<Tensor, Tensor> network, InputShape input) : base(name, input)
    {
        _network = network;
        foreach (var (child, module) in network.named_children()) register_module(child, module);
        foreach (var (field, p) in network.named_parameters(recurse: false)) register_parameter(field, p);
        foreach (var (field, b) in network.named_buffers(recurse: false)) register_buffer(field, b);
        Native.ConvolutionBackends.GuardAgainstPaddedChannels(network);
    }

    public override Tensor forward(Tensor input) => _network.call(input);

    /// <summary>Also switches the network itself (its own forward may read <c>training</c>), not only its children.</summary>
    public override void train(bool train = true)
    {
        base.train(train);
        _network.train(train);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _network.Dispose();
        base.Dispose(disposing);
    }
}
