namespace Lottery.Data;

/// <summary>A directory searched for a dataset, with where it came from (for "looked in" messages).</summary>
/// <param name="Directory">The dataset directory, <c>&lt;root&gt;/&lt;spec.Directory&gt;</c>, fully qualified.</param>
/// <param name="Origin">Why it was searched: <c>--data-root</c>, <c>LOTTERY_DATA</c>, <c>user cache</c> or <c>system</c>.</param>
public sealed record DatasetCandidate(string Directory, string Origin)
{
    public override string ToString() => $"{Directory} ({Origin})";
}
