using System.Globalization;

namespace Lottery.Cli.Reproduce;

/// <summary>
/// One command of a recipe, as a user would type it: a trunk (find, oneshot) with the flags that define its run, or a
/// branch (reinit, random_pruning, …) attached to an earlier step's run. Replicates, the runs and data roots and the
/// thread count are not part of it: the recipe's plan sets them for every step alike.
/// </summary>
/// <param name="Id">The step's name within its recipe (branches name the trunk they attach to by it).</param>
/// <param name="Command">The lottery command: find, oneshot, or a branch's name.</param>
/// <param name="Flags">Its flags, after the command (and after the run, for a branch).</param>
/// <param name="On">For a branch: the id of the trunk step whose run it attaches to.</param>
/// <param name="StagesPerReplicate">How many stages it trains in each replicate (for the plan and its projection).</param>
public sealed record RecipeStep(string Id, string Command, IReadOnlyList<string> Flags, string? On, int StagesPerReplicate)
{
    public bool IsTrunk => On is null;

    /// <summary>What the step's jobs lock in a replicate of their run: the trunk's replicate (""), or the branch's own
    /// directories (its name; a replicate's stability jobs share one, as they share its dense rewind points). Jobs of one
    /// scope on one replicate never run at once; two branches do, once their trunk is done.</summary>
    public string LockScope => IsTrunk ? "" : Command;

    static string Join(IEnumerable<double> values) => string.Join(',', values.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)));
    static string Join(IEnumerable<int> values) => string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    /// <summary>`lottery find FLAGS --levels L`: the dense level 0 and L pruned levels.</summary>
    public static RecipeStep Find(string id, int levels, params string[] flags) =>
        new(id, "find", [.. flags, "--levels", levels.ToString(CultureInfo.InvariantCulture)], null, levels + 1);

    /// <summary>`lottery oneshot FLAGS --targets T`: the dense network (unless the score prunes at initialization) and each target.</summary>
    public static RecipeStep OneShot(string id, IReadOnlyList<double> targets, bool atInitialization, params string[] flags) =>
        new(id, "oneshot", [.. flags, "--targets", Join(targets)], null, targets.Count + (atInitialization ? 0 : 1));

    /// <summary>`lottery BRANCH RUN --levels L…` on the levels of an iterative trunk step, <paramref name="draws"/> instances each.</summary>
    public static RecipeStep OnLevels(string id, string branch, string on, IReadOnlyList<int> levels, int draws = 1) =>
        new(id, branch, [.. (IEnumerable<string>)["--levels", Join(levels)], .. Draws(draws)], on, levels.Count * draws);

    /// <summary>`lottery BRANCH RUN --targets T…` on the targets of a one-shot trunk step.</summary>
    public static RecipeStep OnTargets(string id, string branch, string on, IReadOnlyList<double> targets, int draws = 1) =>
        new(id, branch, [.. (IEnumerable<string>)["--targets", Join(targets)], .. Draws(draws)], on, targets.Count * draws);

    static string[] Draws(int draws) => draws == 1 ? [] : ["--draws", draws.ToString(CultureInfo.InvariantCulture)];

    /// <summary>The levels (or targets) a step names with --levels (--targets), as the command parses them.</summary>
    public string? Selector(string flag)
    {
        for (int i = 0; i + 1 < Flags.Count; i++) if (Flags[i] == flag) return Flags[i + 1];
        return null;
    }
}
