namespace Lottery.Reports;

/// <summary>Mean and range over replicates (and draws), as the paper's error bars.</summary>
public sealed record Statistic(double Mean, double Min, double Max, int Count)
{
    public static Statistic? Of(IEnumerable<double> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? null : new Statistic(list.Average(), list.Min(), list.Max(), list.Count);
    }
}
