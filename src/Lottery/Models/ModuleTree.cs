using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lottery.Models;

/// <summary>
/// What the lottery procedure reads from any network composed of standard TorchSharp layers, by module type
/// rather than by declaration: the prunable weights (every convolution's and every linear layer's weight, in the
/// order the layers were registered, the last linear layer being the output layer) and the normalization layers
/// (whose scales and shifts train but are never pruned). Why by type: a user's own model, built from the same
/// layers, works without telling the library anything (open_lth does the same with its prunable-layer filter).
/// </summary>
public static class ModuleTree
{
    /// <summary>Conv and linear weights in registration order (also the order of seeded initialization). A
    /// network without a linear layer has no output tensor; with one, its last linear layer is the output.</summary>
    public static IReadOnlyList<PrunableTensor> PrunableTensors(nn.Module model)
    {
        var found = new List<PrunableTensor>();
        int lastLinear = -1;
        // Depth-first, in registration order, as named_parameters walks the tree (TorchSharp's named_modules lists
        // all children before any grandchild, which would put a network's last layer before its blocks).
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (!name.EndsWith(".weight", StringComparison.Ordinal))
            {
                if (name == "weight" && model is Convolution or Linear)
                    throw new NotSupportedException($"the model itself is a {model.GetType().Name}: wrap it in a container (e.g. nn.Sequential) so that its layers have names");
                continue;
            }
            var layer = name[..^".weight".Length];
            LayerKind? kind = modules.GetValueOrDefault(layer) switch
            {
                Convolution => LayerKind.Conv,
                Linear => LayerKind.FullyConnected,
                _ => null,
            };
            if (kind is null) continue;
            if (kind == LayerKind.FullyConnected) lastLinear = found.Count;
            found.Add(new PrunableTensor(name, kind.Value, parameter.shape));
        }
        if (lastLinear >= 0) found[lastLinear] = found[lastLinear] with { Kind = LayerKind.Output };
        return found;
    }

    /// <summary>
    /// Refuses, naming the module and the fix, what the lottery procedure cannot handle faithfully: a module holding
    /// parameters of a kind it neither prunes nor initializes from the seed (an embedding, PReLU, a recurrent layer, a
    /// module of one's own with a raw parameter), and a parameter the arena cannot place (not float32, or not on the
    /// CPU). Never a silent skip: an unknown layer left at libtorch's unseeded default would make θ0 unrepeatable.
    /// </summary>
    public static void Check(nn.Module model)
    {
        var seen = new Dictionary<nn.Module, string>(ReferenceEqualityComparer.Instance);
        foreach (var (moduleName, module) in model.named_modules())
        {
            // One layer under two names would be initialized, counted and pruned twice. The usual cause: TorchSharp
            // registers a module's fields by their own names, and the code registered them again under others.
            if (seen.TryGetValue(module, out var first))
                throw new ModelException($"module '{first}' is registered twice (also as '{moduleName}'): TorchSharp registers a module's fields " +
                    "under the field's name by itself; name each field as its module (and call RegisterComponents) or register it only once");
            seen[module] = moduleName;
            var own = module.named_parameters(recurse: false).ToList();
            if (own.Count == 0) continue;
            var where = moduleName.Length == 0 ? "the model itself" : $"module '{moduleName}'";
            if (module is not (Convolution or Linear) && !IsNormalization(module))
                throw new ModelException($"{where} ({module.GetType().Name}) holds parameters ({string.Join(", ", own.Select(p => p.name))}) of a layer kind " +
                    "the lottery procedure does not know: build the network from Linear, Conv1d/2d/3d and normalization layers " +
                    "(BatchNorm, LayerNorm, GroupNorm, InstanceNorm) plus parameter-free modules, or move this layer out of the network");
            foreach (var (field, p) in own)
            {
                var name = moduleName.Length == 0 ? field : $"{moduleName}.{field}";
                if (p.dtype != ScalarType.Float32)
                    throw new ModelException($"parameter '{name}' of {where} is {p.dtype}: the parameter arena holds float32 only; build the layer with dtype float32");
                if (p.device_type != TorchSharp.DeviceType.CPU)
                    throw new ModelException($"parameter '{name}' of {where} is on {p.device}: build the network on the CPU; the run's device is chosen in its settings");
            }
        }
    }

    /// <summary>
    /// A description of the network that two different networks do not share: every module's name and type, every
    /// parameter's and buffer's name and shape, and the output shape of every layer for one example of
    /// <paramref name="input"/> (which also tells apart strides, paddings and pooling that hold no parameters).
    /// Arithmetic a custom forward does between layers without changing a shape (a residual sum, an activation
    /// called as a function) is not seen: such networks differ by their name, which is part of a run's identity too.
    /// </summary>
    public static string Describe(nn.Module<Tensor, Tensor> model, InputShape input)
    {
        var lines = new List<string> { $"input {input.Channels}x{input.Height}x{input.Width} classes {input.Classes}" };
        foreach (var (name, module) in model.named_modules())
            lines.Add($"module {(name.Length == 0 ? "." : name)} {module.GetType().Name}");
        foreach (var (name, p) in model.named_parameters()) lines.Add($"parameter {name} [{string.Join(",", p.shape)}]");
        foreach (var (name, b) in model.named_buffers()) lines.Add($"buffer {name} [{string.Join(",", b.shape)}] {b.dtype}");
        var outputs = new List<string>();
        var removers = new List<Action>();
        foreach (var (name, module) in model.named_modules())
        {
            if (name.Length == 0 || module is not nn.Module<Tensor, Tensor> layer) continue;
            removers.Add(layer.register_forward_hook((_, _, y) => { outputs.Add($"output {name} [{string.Join(",", y.shape.Skip(1))}]"); return y; }).remove);
        }
        bool wasTraining = model.training;
        try
        {
            model.eval();
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var y = model.call(zeros(1, input.Channels, input.Height, input.Width));
            outputs.Add($"output . [{string.Join(",", y.shape.Skip(1))}]");
        }
        finally
        {
            foreach (var remove in removers) remove();
            model.train(wasTraining);
        }
        return string.Join("\n", lines.Concat(outputs));
    }

    /// <summary>Normalization layers (batch, layer, group and instance norm): scale 1 and shift 0 at initialization.</summary>
    public static bool IsNormalization(nn.Module module) =>
        module is BatchNorm or LayerNorm or GroupNorm or InstanceNorm1d or InstanceNorm2d or InstanceNorm3d;
}
