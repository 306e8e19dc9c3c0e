using Lottery.Hparams;

namespace Lottery.Cli.Reproduce;

/// <summary>
/// Which ready job the local scheduler starts first when a queue holds several recipes (`lottery reproduce A B --order`).
/// Either way a worker never waits while a job is ready; the order only chooses among ready jobs. `listed` is the default:
/// on what remained of the gallery's five conv recipes (2 workers, 2026-12-03) `longest` projected every report at 7 h 33 or
/// later and the whole at 7 h 58; `listed` the first report at 1 h 19, the second at 3 h 36, the whole at 7 h 53. Reports
/// come hours sooner, and a queue stopped early leaves whole recipes behind; near the end a long chain that could no longer
/// wait jumps the order (<see cref="Projection.Pick"/>), so the whole takes about as long (the four deeper conv recipes
/// from scratch: 7 h 36 against 7 h 21).
/// </summary>
/// <param name="Name">As the flag spells it.</param>
/// <param name="Description">What it does, for the help and the error line.</param>
public sealed record QueueOrder(string Name, string Description)
{
    /// <summary>The longest chain of projected work first, whatever its recipe: the reports come together at the end.</summary>
    public static readonly QueueOrder Longest = new("longest", "the longest chain of work first, whatever its recipe: the reports come together at the end");

    /// <summary>The recipes in the order named (a shared job belongs to the first recipe that names it), the longest chain
    /// first within one: each report comes as early as the recipes before it allow, and the whole may finish later.</summary>
    public static readonly QueueOrder Listed = new("listed", "the recipes in the order named, each report as soon as its recipe is done; a long chain starts early where waiting would lengthen the queue");

    public static readonly IReadOnlyList<QueueOrder> All = [Listed, Longest];

    public static QueueOrder Parse(string text) => All.FirstOrDefault(o => o.Name == text)
        ?? throw new HparamsException($"unknown --order '{text}': give {string.Join(", or ", All.Select(o => $"{o.Name} ({o.Description})"))}");

    /// <summary>Each job's rank in <paramref name="queue"/> (lower starts first among ready jobs), or null where every job
    /// ranks alike.</summary>
    public IReadOnlyDictionary<string, int>? Ranks(RecipeQueue queue)
    {
        if (this == Longest) return null;
        var index = queue.Recipes.Select((e, i) => (e.Name, i)).ToDictionary(x => x.Name, x => x.i);
        return queue.Jobs.ToDictionary(j => j.Id, j => index[queue.QueuedUnder(j.Id)]);
    }

    public override string ToString() => Name;
}
