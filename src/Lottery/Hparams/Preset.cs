namespace Lottery.Hparams;

/// <summary>A named, paper-faithful setup.</summary>
public sealed record Preset(string Name, string Description, ExperimentHparams Hparams);
