namespace Lottery.Sparse;

/// <summary>
/// Where the sparse kernels beat libtorch's dense product for one layer's training step (forward and both gradients),
/// measured on this project's machines (`lottery bench --crossover`, README "Sparse tickets"): below
/// <see cref="Density"/> of a layer's weights kept, and only for layers large enough that the kernels' fixed costs
/// (copies in and out of libtorch, the transposes, the autograd node) are paid back.
/// </summary>
public static class Crossover
{
    /// <summary>The density below which a large layer's step is faster sparse.</summary>
    public const double Density = 0.2;

    /// <summary>Layers with fewer weights than this stay dense at any density: their dense product costs microseconds.</summary>
    public const long MinimumWeights = 20_000;

    public static bool PrefersSparse(int rows, int columns, double density, int batch) =>
        (long)rows * columns >= MinimumWeights && density < Density;
}
