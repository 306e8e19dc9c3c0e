namespace Lottery.Training;

/// <summary>An optimizer over a <see cref="ParameterArena"/>: one fused pass per step that also enforces the mask.</summary>
public interface IOptimizer
{
    /// <summary>Masks the gradient (pruned weights get none), updates state and weights, then zeroes pruned
    /// weights. Pruned positions' optimizer state therefore stays exactly zero and can never revive them.</summary>
    void Step(double learningRate);

    /// <summary>State arrays by name (for checkpoints).</summary>
    IReadOnlyDictionary<string, float[]> State { get; }

    long StepCount { get; set; }
}
