using System.Globalization;

namespace Lottery.Cluster;

/// <summary>Replicate numbers as a Slurm array specification and back: [1,2,3,5] ⇄ "1-3,5".</summary>
public static class TaskList
{
    public static string Format(IEnumerable<int> tasks)
    {
        var sorted = tasks.Distinct().Order().ToList();
        if (sorted.Count == 0) throw new ArgumentException("no task", nameof(tasks));
        var parts = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(j == i ? Str(sorted[i]) : $"{Str(sorted[i])}-{Str(sorted[j])}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    public static IReadOnlyList<int> Parse(string spec)
    {
        var result = new SortedSet<int>();
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-');
            int lo = int.Parse(range[0], CultureInfo.InvariantCulture), hi = range.Length > 1 ? int.Parse(range[1], CultureInfo.InvariantCulture) : lo;
            for (int t = lo; t <= hi; t++) result.Add(t);
        }
        return result.ToList();
    }

    static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);
}
