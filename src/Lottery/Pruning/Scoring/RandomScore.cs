using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Pruning.Scoring;

/// <summary>No hyperparameters (the stream is the stage's score seed).</summary>
public sealed record RandomHparams : ScoreHparams
{
    public override string Name => "random";
}

/// <summary>A standard normal score per weight from the stage's score seed (Synaptic-Flow's `rand`): a uniformly random
/// mask with the strategy's counts (layer-wise: each layer at its rate; global: the same expected density everywhere).</summary>
public sealed class RandomScore : PruningScore
{
    public override string Name => "random";
    public override string Description => "a seeded random score per weight, no training first";
    public override string Source => "Frankle et al. 2021 (baseline); ganguli-lab/Synaptic-Flow Pruners.Rand";
    public override ScoreHparams Defaults { get; } = new RandomHparams();
    public override string Color => "#7f7f7f";

    public override Scores Score(ScoreContext context, ScoreHparams hparams, Mask current)
    {
        Own<RandomHparams>(hparams);
        using var generator = new Generator((ulong)context.Seed);
        var values = new Dictionary<string, float[]>();
        foreach (var t in context.Tensors)
        {
            using var draw = randn(t.Count, generator: generator);
            values[t.Name] = draw.data<float>().ToArray();
        }
        return new Scores(values);
    }
}
