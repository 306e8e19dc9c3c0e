namespace Lottery.Training;

/// <summary>Linear warmup from 0 to the base rate, times step decay: lr(t) = base · min(1, t/warmup) · γ^(milestones ≤ t).</summary>
public sealed class LearningRateSchedule(double baseRate, int warmupIterations, IReadOnlyList<int> milestones, double gamma)
{
    readonly int[] _milestones = milestones.Order().ToArray();

    /// <summary>The rate used by the update that ends iteration <paramref name="iteration"/> + 1 (0-based step count).</summary>
    public double At(int iteration)
    {
        double rate = baseRate;
        if (warmupIterations > 0) rate *= Math.Min(1.0, (double)(iteration + 1) / warmupIterations);
        foreach (var m in _milestones)
            if (iteration >= m) rate *= gamma;
        return rate;
    }
}
