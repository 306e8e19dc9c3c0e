namespace Lottery.Hparams;

/// <summary>A named, paper-faithful setup.</summary>
/// <param name="Source">Where its numbers come from (the paper's figure or section, or "not in the paper").</param>
public sealed record Preset(string Name, string Description, ExperimentHparams Hparams, string Source);
