using Lottery.Hparams;

namespace Lottery.Sparse;

/// <summary>Whether pruned linear layers run on sparse kernels: off (always dense), on (every pruned linear layer), or
/// auto (those whose density is below the crossover measured on this kind of machine, <see cref="Crossover"/>).
/// Not part of a run's identity: it changes the last bits, like the thread count, and is recorded beside it.</summary>
public enum SparseMode { Off, Auto, On }

public static class SparseModes
{
    public static SparseMode Parse(string text) => text switch
    {
        "off" => SparseMode.Off,
        "auto" => SparseMode.Auto,
        "on" => SparseMode.On,
        _ => throw new HparamsException($"unknown sparse mode '{text}': use auto, on or off", "sparse"),
    };

    public static string Name(this SparseMode mode) => mode.ToString().ToLowerInvariant();
}
