namespace Lottery.Training;

/// <summary>An optimizer over a <see cref="ParameterArena"/>: one fused pass per step that also enforces the mask.</summary>
public interface IOptimizer
{
    /// <summary>Masks the gradient (pruned weights get none), updates state and weights, then zeroes pruned
    /// weights. Pruned positions' optimizer state therefore stays exactly zero and can never revive them.</summary>
    void Step(double learningRate);

    /// <summary>State arrays by name in arena order (for checkpoints): the optimizer's own arrays on the host, copies
    /// from the device otherwise.</summary>
    IReadOnlyDictionary<string, float[]> State { get; }

    /// <summary>Sets state <paramref name="name"/> from an arena-order array (a checkpoint being resumed).</summary>
    void LoadState(string name, float[] arenaOrder) => arenaOrder.AsSpan().CopyTo(State[name]);

    long StepCount { get; set; }
}
