using Lottery.Hparams;
using Lottery.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// Seeded initialization of a model's weights: the paper's Gaussian Glorot by default, biases zero.
/// Weights are drawn in the model's declared order from a generator seeded only by <c>seed</c>, so θ0 is a
/// function of (model, initializer, seed) alone; random reinitialization draws with another seed.
/// </summary>
public static class Initializers
{
    public static readonly IReadOnlyList<string> Names = ["glorot_normal", "glorot_uniform", "kaiming_normal", "kaiming_uniform"];

    public static void Validate(string name)
    {
        if (!Names.Contains(name))
            throw new HparamsException($"unknown initializer '{name}': use {string.Join(", ", Names)}");
    }

    public static void Apply(LotteryModel model, string initializer, long seed)
    {
        Validate(initializer);
        using var _ = no_grad();
        var generator = new Generator((ulong)seed);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var prunable = model.PrunableTensors.Select(t => t.Name).ToHashSet();
        foreach (var tensor in model.PrunableTensors)
            Initialize(parameters[tensor.Name], initializer, generator);
        // Every other parameter is set, not drawn: biases 0, normalization scales 1 and shifts 0, running statistics
        // reset (batch norm starts as the identity). A parameter of any other kind has no seeded rule here, so it
        // is refused rather than left to libtorch's unseeded default.
        foreach (var (moduleName, module) in model.named_modules())
            foreach (var (field, p) in module.named_parameters(recurse: false))
            {
                var name = moduleName.Length == 0 ? field : $"{moduleName}.{field}";
                if (prunable.Contains(name)) continue;
                if (field == "bias") p.zero_();
                else if (ModuleTree.IsNormalization(module) && field == "weight") p.fill_(Scalars.One);
                else throw new NotSupportedException(
                    $"parameter '{name}' of {module.GetType().Name} has no seeded initialization: only conv and linear weights, biases and normalization layers are initialized");
            }
        foreach (var (_, module) in model.named_modules())
            if (module is TorchSharp.Modules.BatchNorm bn) bn.reset_running_stats();
    }

    static void Initialize(Tensor weight, string initializer, Generator generator)
    {
        // fan_in/fan_out as in PyTorch: dim 1 and dim 0 times the receptive field.
        long receptive = weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        double fanIn = weight.shape[1] * receptive, fanOut = weight.shape[0] * receptive;
        switch (initializer)
        {
            case "glorot_normal":
                weight.normal_(0, Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
                break;
            case "glorot_uniform":
                var a = Math.Sqrt(6.0 / (fanIn + fanOut));
                weight.uniform_(-a, a, generator);
                break;
            case "kaiming_normal":
                weight.normal_(0, Math.Sqrt(2.0 / fanIn), generator);
                break;
            case "kaiming_uniform":
                var b = Math.Sqrt(6.0 / fanIn);
                weight.uniform_(-b, b, generator);
                break;
        }
    }
}
