using Lottery.Hparams;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Pruning.Scoring;

/// <param name="Batches">Training batches (of the run's batch size) whose gradients are summed: SNIP's single minibatch.</param>
public sealed record SnipHparams(int Batches = 1) : ScoreHparams
{
    public override string Name => "snip";
    protected override Canonical Fields(Canonical c) => c.Add("batches", Batches, 1);

    public override void Validate()
    {
        if (Batches < 1) throw new HparamsException($"snip batches must be at least 1 (got {Batches})");
    }
}

/// <summary>
/// SNIP (Lee, Ajanthan &amp; Torr, ICLR 2019): the connection sensitivity |∂L/∂c| = |g ⊙ θ| at θ0, the gradient of the
/// training loss summed over seeded training batches, in evaluation mode. As Synaptic-Flow's SNIP pruner, except that it
/// does not divide by the sum of all scores (a common factor changes no ranking) and that its batches have the run's
/// training batch size (Synaptic-Flow draws 10 examples per class in batches of 256).
/// </summary>
public sealed class SnipScore : PruningScore
{
    public override string Name => "snip";
    public override string Description => "SNIP |g ⊙ θ0| on seeded training batches, no training first";
    public override string Source => "Lee et al. 2019; ganguli-lab/Synaptic-Flow Pruners.SNIP";
    public override ScoreHparams Defaults { get; } = new SnipHparams();
    public override string Color => "#ff7f0e";

    public override Scores Score(ScoreContext context, ScoreHparams hparams, Mask current)
    {
        var h = Own<SnipHparams>(hparams);
        var train = context.Train();
        using var scope = NewDisposeScope();
        using var network = new ScoringNetwork(context, current, train.Images.device);
        foreach (var (x, y) in ScoreData.Batches(train, h.Batches, context.BatchSize, context.Seed))
        {
            using var loss = nn.functional.cross_entropy(network.Model.forward(x), y);
            loss.backward();
        }
        return new Scores(network.Weights.ToDictionary(w => w.Name, w =>
        {
            using var g = w.Weight.grad ?? zeros_like(w.Weight);
            using var s = (g * w.Weight).abs();
            return ScoringNetwork.Floats(s);
        }));
    }
}
