using Lottery.Pruning;

namespace Lottery.Sparse;

/// <summary>
/// The kept weights of a pruned linear layer (out × in, row-major) in compressed sparse column form: input column j's
/// kept outputs are RowIndices[ColumnOffsets[j] .. ColumnOffsets[j + 1]), increasing, and Positions gives each one's
/// index in the dense row-major weight (o · in + j), where the parameter arena keeps its value. Column-major because
/// the input gradient and the weight gradient walk it so, each input feature's batch loaded once while the output side
/// (out × batch, small) stays in cache, and so does the forward product when the inputs are too large for the cache.
/// Built once per stage from the mask. The kernels
/// work on the values compacted in their own order (gathered from the arena once per forward, gradients scattered back
/// once per backward, both in the dense side's order): reading them straight from the dense weight cost Conv-2's fc1
/// up to 3× (a cache miss per kept weight). The same kept weights are also indexed by rows (<see cref="RowOffsets"/>,
/// <see cref="RowColumns"/>, <see cref="ByPosition"/> as the row-major order): the forward product sums each output
/// row in registers from them wherever the input side fits the cache (<see cref="SparseKernels.ForwardByRows"/>).
/// </summary>
public sealed class SparseLayout
{
    public int Rows { get; }
    public int Columns { get; }
    public int[] ColumnOffsets { get; }
    public int[] RowIndices { get; }
    public int[] Positions { get; }
    /// <summary>The kept weights in increasing dense position: moving values between the dense weight and the compact
    /// values (kernel order) visits the dense side sequentially (the random side is the compact one, a fraction of the size).</summary>
    public int[] ByPosition { get; }
    /// <summary>Compressed rows: output row o's kept weights are the row-major entries RowOffsets[o] .. RowOffsets[o + 1]),
    /// entry m at input column RowColumns[m], its value the column-major value ByPosition[m] (row-major order is increasing
    /// dense position, which is what <see cref="ByPosition"/> lists).</summary>
    public int[] RowOffsets { get; }
    public int[] RowColumns { get; }
    public int Nonzeros => RowIndices.Length;
    public double Density => Rows * (double)Columns == 0 ? 0 : Nonzeros / (Rows * (double)Columns);

    public SparseLayout(int rows, int columns, bool[] alive)
    {
        if (alive.Length != (long)rows * columns) throw new ArgumentException($"a {rows}×{columns} layer has {(long)rows * columns} weights, the mask {alive.Length}", nameof(alive));
        Rows = rows;
        Columns = columns;
        ColumnOffsets = new int[columns + 1];
        int count = alive.Count(a => a);
        RowIndices = new int[count];
        Positions = new int[count];
        int k = 0;
        for (int j = 0; j < columns; j++)
        {
            ColumnOffsets[j] = k;
            for (int o = 0; o < rows; o++)
                if (alive[o * columns + j]) { RowIndices[k] = o; Positions[k] = o * columns + j; k++; }
        }
        ColumnOffsets[columns] = k;
        ByPosition = Enumerable.Range(0, count).ToArray();
        Array.Sort((int[])Positions.Clone(), ByPosition);
        RowOffsets = new int[rows + 1];
        RowColumns = new int[count];
        for (int m = 0; m < count; m++)
        {
            int position = Positions[ByPosition[m]];
            RowColumns[m] = position % columns;
            RowOffsets[position / columns + 1]++;
        }
        for (int o = 0; o < rows; o++) RowOffsets[o + 1] += RowOffsets[o];
    }

    /// <summary>rowValues[m] = values[ByPosition[m]]: the compact values (column-major) in row-major order.</summary>
    public void ToRowOrder(ReadOnlySpan<float> values, Span<float> rowValues)
    {
        for (int m = 0; m < ByPosition.Length; m++) rowValues[m] = values[ByPosition[m]];
    }

    /// <summary>values[k] = dense[Positions[k]]: the kept weights, compacted in kernel order.</summary>
    public void Gather(ReadOnlySpan<float> dense, Span<float> values)
    {
        foreach (int k in ByPosition) values[k] = dense[Positions[k]];
    }

    /// <summary>dense[Positions[k]] += values[k]: gradients of the kept weights into the dense gradient.</summary>
    public void ScatterAdd(ReadOnlySpan<float> values, Span<float> dense)
    {
        foreach (int k in ByPosition) dense[Positions[k]] += values[k];
    }

    /// <summary>kept[m] += values[ByPosition[m]]: gradients of the kept weights into a compact gradient in increasing
    /// dense position (the optimizer's order, <see cref="Training.KeptGradient"/>).</summary>
    public void AddInPositionOrder(ReadOnlySpan<float> values, Span<float> kept)
    {
        for (int m = 0; m < ByPosition.Length; m++) kept[m] += values[ByPosition[m]];
    }

    /// <summary>The layout of tensor <paramref name="name"/> of <paramref name="mask"/>, a weight of <paramref name="rows"/> × <paramref name="columns"/>.</summary>
    public static SparseLayout Of(Mask mask, string name, int rows, int columns) => new(rows, columns, mask[name]);
}
