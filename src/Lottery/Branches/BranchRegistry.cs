using Lottery.Hparams;

namespace Lottery.Branches;

/// <summary>The branches, by name: a plain list (open_lth's lottery/branch/registry.py).</summary>
public static class BranchRegistry
{
    public static readonly IReadOnlyList<Branch> All =
    [
        new ReinitBranch(),
        new RandomPruningBranch(),
        new ContinuedBranch(),
        new ShuffleBranch(),
        new InvertBranch(),
        new StabilityBranch(),
    ];

    public static Branch? Find(string name) => All.FirstOrDefault(b => b.Name == name);

    public static Branch Get(string name) => Find(name)
        ?? throw new HparamsException($"unknown branch '{name}': the branches are {string.Join(", ", All.Select(b => b.Name))}");

    /// <summary>The branch a directory under a stage's branches belongs to (null for one no branch owns).</summary>
    public static Branch? Owner(string directoryName) => All.FirstOrDefault(b => b.Owns(directoryName));
}
