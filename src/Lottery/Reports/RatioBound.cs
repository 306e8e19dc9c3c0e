using System.Globalization;

namespace Lottery.Reports;

/// <summary>What a ratio of two early-stop iterations is worth when a side stopped at its run's last measurement
/// (<see cref="EarlyStop.AtLastMeasurement"/>: its iteration is a lower bound of the true one). A dense network still
/// improving when a short schedule ends makes every ticket's speed-up against it a lower bound, not a measurement.</summary>
public enum RatioBound { Measured, AtLeast, AtMost, Unmeasured }

public static class RatioBounds
{
    /// <summary>The bound on numerator / denominator, given which of the two early stops are censored.</summary>
    public static RatioBound Of(bool numeratorCensored, bool denominatorCensored) => (numeratorCensored, denominatorCensored) switch
    {
        (false, false) => RatioBound.Measured,
        (true, false) => RatioBound.AtLeast,
        (false, true) => RatioBound.AtMost,
        _ => RatioBound.Unmeasured,
    };

    /// <summary>The bound on the inverse ratio.</summary>
    public static RatioBound Inverse(this RatioBound b) => b switch
    {
        RatioBound.AtLeast => RatioBound.AtMost,
        RatioBound.AtMost => RatioBound.AtLeast,
        _ => b,
    };

    public static string Prefix(this RatioBound b) => b switch
    {
        RatioBound.AtLeast => "at least ",
        RatioBound.AtMost => "at most ",
        _ => "",
    };

    /// <summary>"2.00× sooner", "at least 1.50× later", "as early as the ticket": <paramref name="ratio"/> above 1 reads
    /// with <paramref name="above"/>, below 1 as its inverse with <paramref name="below"/>, and one that rounds to 1.00
    /// as <paramref name="same"/>; a ratio of two censored early stops says it is not measured.</summary>
    public static string Describe(double ratio, RatioBound bound, string above, string below, string same)
    {
        string N(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        var text = N(ratio) == "1.00" ? bound.Prefix() + same
            : ratio > 1 ? $"{bound.Prefix()}{N(ratio)}× {above}"
            : $"{bound.Inverse().Prefix()}{N(1 / ratio)}× {below}";
        return bound == RatioBound.Unmeasured ? text + " (not measured: both stop at their runs' end)" : text;
    }
}
