namespace Lottery.Sparse;

/// <summary>
/// Where the sparse kernels beat libtorch's dense product for one layer, measured on this project's machines with
/// `lottery bench --crossover` (README "Sparse tickets"), for a training step (forward and both gradients, batch 60) and
/// for inference (the forward alone at the evaluator's batch: 1,000 for LeNet, 112 for the conv nets). The crossing
/// depends on the layer's width: a narrow layer's inputs (LeNet's 784 and 300, the conv nets' 256-wide fc2) stay in the
/// nearest caches, and it crossed at 28–33% kept in both uses; the wide first fc layers of Conv-2/4/6 (16,384, 8,192 and
/// 4,096 inputs) crossed at 19–27% in training and at 10–20% in inference, where the evaluator's small batches (limited by
/// the convolutions' activations) give each kept weight little work. Small layers need no exception: the output layers
/// (10 × 100, 10 × 256) tied in training at every density and won in inference (MKL's fixed cost per call is what a
/// product of a thousand weights costs), and a whole LeNet ticket at 3.6% with its output layer sparse trained 10% and
/// evaluated 12% faster than with it dense.
/// </summary>
public static class Crossover
{
    /// <summary>Layers with more inputs than this are wide: their crossover is lower.</summary>
    public const int NarrowInputs = 1024;

    /// <summary>The density below which a narrow layer trains and evaluates faster sparse.</summary>
    public const double NarrowDensity = 0.3;

    /// <summary>The density below which a wide layer's training step is faster sparse.</summary>
    public const double WideDensity = 0.2;

    /// <summary>The density below which a wide layer's inference is faster sparse.</summary>
    public const double WideInferenceDensity = 0.1;

    /// <summary>Whether the layer's training steps run on the sparse kernels.</summary>
    public static bool PrefersSparse(int columns, double density) =>
        density < (columns <= NarrowInputs ? NarrowDensity : WideDensity);

    /// <summary>Whether the layer's evaluations (forwards without gradients) run on the sparse kernels.</summary>
    public static bool PrefersSparseInference(int columns, double density) =>
        density < (columns <= NarrowInputs ? NarrowDensity : WideInferenceDensity);

    /// <summary>The rule in words, for `lottery bench --crossover`.</summary>
    public static string Describe() =>
        $"auto runs a layer on sparse kernels below {NarrowDensity:0%} of its weights kept if it has at most {NarrowInputs:N0} inputs; " +
        $"a wider one trains sparse below {WideDensity:0%} and evaluates sparse below {WideInferenceDensity:0%}";
}
