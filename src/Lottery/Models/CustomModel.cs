using System.Text.RegularExpressions;
using Lottery.Hparams;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// A network the library's user builds in code: a name and a builder called whenever the procedure needs a fresh
/// copy of the network (to draw θ0, to train a stage, to draw a reinitialization). The builder must return the same
/// architecture every time; its initial values do not matter (the run's seeded initializer overwrites them).
/// </summary>
public sealed partial class CustomModel
{
    readonly Func<nn.Module<Tensor, Tensor>> _build;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
    private static partial Regex NamePattern();

    public string Name { get; }

    public CustomModel(string name, Func<nn.Module<Tensor, Tensor>> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
            throw new ModelException($"model name '{name}' is not usable in run records: use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        bool builtIn;
        try { ModelRegistry.Validate(name); builtIn = true; }
        catch (HparamsException) { builtIn = false; }
        if (builtIn) throw new ModelException($"model name '{name}' is a built-in network's: give your own network another name");
        Name = name;
        _build = build;
    }

    /// <summary>A fresh copy of the network, checked (<see cref="ModuleTree.Check"/>) and adopted as a <see cref="LotteryModel"/>.</summary>
    public LotteryModel Create(InputShape input)
    {
        var network = _build() ?? throw new ModelException($"the builder of model '{Name}' returned null: return the network it builds");
        try
        {
            ModuleTree.Check(network);
            var model = new AdoptedModel(Name, network, input);
            if (model.PrunableTensors.Count == 0)
                throw new ModelException($"model '{Name}' has no Linear or Conv1d/2d/3d layer, so nothing can be pruned: build it from such layers");
            return model;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>The hash of <see cref="ModuleTree.Describe"/> for <paramref name="input"/>, after checking that one example
    /// gives one row of <see cref="InputShape.Classes"/> scores.</summary>
    public string Architecture(InputShape input)
    {
        using var model = Create(input);
        string description;
        try { description = ModuleTree.Describe(model, input); }
        catch (Exception e) when (e is not ModelException)
        {
            throw new ModelException($"model '{Name}' fails on one example of shape {input.Channels}x{input.Height}x{input.Width} ({FirstLine(e.Message)}): " +
                "its first layer must take (N, C, H, W) batches of the data (reshape inside the network if it wants another shape)");
        }
        // TorchSharp registers a custom module's fields by itself once the module has run: check the tree again.
        ModuleTree.Check(model);
        var output = description.Split('\n')[^1];
        if (output != $"output . [{input.Classes}]")
            throw new ModelException($"model '{Name}' gives {output["output . ".Length..]} per example; the data has {input.Classes} classes: end the network with {input.Classes} outputs");
        return new Canonical().Add("description", description).Hash();
    }

    static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
