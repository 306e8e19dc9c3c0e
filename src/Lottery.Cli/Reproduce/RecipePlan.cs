using Lottery.Reports;

namespace Lottery.Cli.Reproduce;

/// <summary>A paper quantity to set beside ours, naming the recipe step whose run measures it.</summary>
public sealed record ClaimSpec(string Quantity, string Paper, ClaimMeasure Measure, string Step, double? AtPercent = null, string? OtherStep = null);

/// <summary>
/// A recipe at one scale: its steps (every replicate runs each), how many replicates, what the scale changes from the
/// paper and why the figure survives it, and how its report is laid out (the paper's figures as panels, its numbers).
/// </summary>
/// <param name="CurveLevels">Percents remaining whose training curves the report draws (null: the report's default).</param>
public sealed record RecipePlan(Scale Scale, string Note, int Replicates, IReadOnlyList<RecipeStep> Steps,
    IReadOnlyList<FigurePanel> Panels, IReadOnlyList<ClaimSpec> Claims, IReadOnlyList<double>? CurveLevels = null)
{
    public RecipeStep Step(string id) => Steps.FirstOrDefault(s => s.Id == id) ?? throw new InvalidOperationException($"the recipe has no step '{id}'");
}

/// <summary>One figure family of the paper as a runnable recipe.</summary>
/// <param name="Name">What `lottery reproduce NAME` calls it.</param>
/// <param name="Figures">The paper's figures it covers.</param>
/// <param name="Claim">What the paper's figures show, in a sentence (the gallery and `--list` print it).</param>
public sealed record Recipe(string Name, string Title, string Figures, string Claim, Func<Scale, RecipePlan> Plan);
