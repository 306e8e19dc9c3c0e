using Lottery.Hparams;
using Lottery.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Pruning.Scoring;

/// <param name="SamplesPerClass">Training examples of each class in the sample (GraSP's samples_per_class).</param>
/// <param name="Temperature">The logits are divided by it before the loss (GraSP's T).</param>
public sealed record GraspHparams(int SamplesPerClass = 10, double Temperature = 200) : ScoreHparams
{
    public override string Name => "grasp";
    protected override Canonical Fields(Canonical c) => c.Add("samples_per_class", SamplesPerClass, 10).Add("temperature", Temperature, 200);

    public override void Validate()
    {
        if (SamplesPerClass < 1) throw new HparamsException($"grasp samples per class must be at least 1 (got {SamplesPerClass})");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new HparamsException($"grasp temperature must be a positive number (got {Temperature})");
    }
}

/// <summary>
/// GraSP (Wang, Zhang &amp; Grosse, ICLR 2020): the Hessian-gradient product Hg at θ0 by double backpropagation, on a
/// class-balanced seeded sample of the training split, logits divided by the temperature. GraSP removes the weights
/// with the largest −θ ⊙ Hg; here the score is θ ⊙ Hg and the lowest are removed, the same selection (Synaptic-Flow's
/// GraSP pruner scores the same way). The reference code splits the sample in two halves and sums over them, which
/// scales Hg by a constant: it is computed here on the whole sample at once (the same ranking). Evaluation mode, as
/// Synaptic-Flow's prune loop.
/// </summary>
public sealed class GraspScore : PruningScore
{
    public override string Name => "grasp";
    public override string Description => "GraSP θ0 ⊙ Hg by double backpropagation (prunes the largest −θ ⊙ Hg), no training first";
    public override string Source => "Wang et al. 2020; alecwangcq/GraSP; ganguli-lab/Synaptic-Flow Pruners.GraSP";
    public override ScoreHparams Defaults { get; } = new GraspHparams();
    public override string Color => "#e377c2";

    public override Scores Score(ScoreContext context, ScoreHparams hparams, Mask current)
    {
        var h = Own<GraspHparams>(hparams);
        var train = context.Train();
        using var scope = NewDisposeScope();
        using var network = new ScoringNetwork(context, current, train.Images.device);
        var (x, y) = ScoreData.Balanced(train, context.Classes, h.SamplesPerClass, context.Seed);
        var weights = network.Weights.Select(w => w.Weight).ToList();
        using Scalar temperature = h.Temperature;
        // The gradient g without a graph (a constant), then g' with one: z = g · g' differentiates to Hg.
        var first = torch.autograd.grad([nn.functional.cross_entropy(network.Model.forward(x) / temperature, y)], weights);
        var g = first.Select(t => t.detach()).ToList();
        var second = torch.autograd.grad([nn.functional.cross_entropy(network.Model.forward(x) / temperature, y)], weights, retain_graph: true, create_graph: true);
        var z = g.Zip(second, (a, b) => (a * b).sum()).Aggregate((a, b) => a.add(b, Scalars.One));   // not a + b: Training.Scalars
        z.backward();
        return new Scores(network.Weights.ToDictionary(w => w.Name, w =>
        {
            var hg = w.Weight.grad ?? zeros_like(w.Weight);
            return ScoringNetwork.Floats(hg * w.Weight.detach());
        }));
    }
}
