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

    /// <summary>Normalization layers (batch, layer, group and instance norm): scale 1 and shift 0 at initialization.</summary>
    public static bool IsNormalization(nn.Module module) =>
        module is BatchNorm or LayerNorm or GroupNorm or InstanceNorm1d or InstanceNorm2d or InstanceNorm3d;
}
