namespace Lottery.Training;

/// <summary>Linear warmup from 0 to the base rate, times step decay: lr(t) = base · min(1, t/warmup) · γ^(milestones ≤ t),
/// t the 0-based iteration, as open_lth does it: the first update of a warmed-up run has rate 0, and with a 20K
/// warmup iteration 19,999 runs just below the base rate and iteration 20,000 at it (times any decay due there).</summary>
public sealed class LearningRateSchedule(double baseRate, int warmupIterations, IReadOnlyList<int> milestones, double gamma)
{
    readonly int[] _milestones = milestones.Order().ToArray();

    /// <summary>The rate of the update made at 0-based iteration <paramref name="iteration"/>.</summary>
    public double At(int iteration)
    {
        double rate = baseRate;
        if (warmupIterations > 0) rate *= Math.Min(1.0, (double)iteration / warmupIterations);
        foreach (var m in _milestones)
            if (iteration >= m) rate *= gamma;
        return rate;
    }
}
