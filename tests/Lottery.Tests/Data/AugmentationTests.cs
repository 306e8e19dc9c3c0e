using Lottery.Data;
using Lottery.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Tests.Data;

public class AugmentationTests
{
    static readonly double[] Mean = [0.5, 0.4, 0.3];
    static readonly double[] Std = [0.2, 0.25, 0.3];

    /// <summary>The image flipped (or not) and shifted by (dy, dx) ∈ [−4, 4]², black where it leaves the frame:
    /// a per-example reference written with loops.</summary>
    static float[,,] Expected(float[,,] image, bool flip, int dy, int dx)
    {
        int c = image.GetLength(0), h = image.GetLength(1), w = image.GetLength(2);
        var result = new float[c, h, w];
        for (int k = 0; k < c; k++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    int si = i + dy, sj = j + dx;
                    float black = (float)(-Mean[k] / Std[k]);
                    float v = si < 0 || si >= h || sj < 0 || sj >= w ? black : image[k, si, sj];
                    result[k, i, flip ? w - 1 - j : j] = v;
                }
        return result;
    }

    static float[,,] Image(Tensor batch, int b)
    {
        long c = batch.shape[1], h = batch.shape[2], w = batch.shape[3];
        var data = batch[b].contiguous().data<float>().ToArray();
        var image = new float[c, h, w];
        Buffer.BlockCopy(data, 0, image, 0, data.Length * sizeof(float));
        return image;
    }

    static bool Same(float[,,] a, float[,,] b) => a.Cast<float>().SequenceEqual(b.Cast<float>());

    [Fact]
    public void EachImageIsAFlipAndShiftOfItselfWithBlackPaddingAndTheDrawsVary()
    {
        using var augmentation = new Augmentation(Mean, Std);
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var batch = randn([64, 3, 10, 12], generator: generator);
        var output = augmentation.Apply(batch, seed: 7, iteration: 3);
        Assert.Equal(batch.shape, output.shape);
        var seen = new HashSet<(bool, int, int)>();
        for (int b = 0; b < 64; b++)
        {
            var input = Image(batch, b);
            var actual = Image(output, b);
            var matches = (from flip in new[] { false, true }
                           from dy in Enumerable.Range(-4, 9)
                           from dx in Enumerable.Range(-4, 9)
                           where Same(Expected(input, flip, dy, dx), actual)
                           select (flip, dy, dx)).ToList();
            Assert.Single(matches);
            seen.Add(matches[0]);
        }
        Assert.Contains(seen, s => s.Item1);
        Assert.Contains(seen, s => !s.Item1);
        Assert.True(seen.Count > 30, $"{seen.Count} distinct (flip, dy, dx) in 64 images");
    }

    [Fact]
    public void DrawsAreAFunctionOfSeedAndIteration()
    {
        using var augmentation = new Augmentation(Mean, Std);
        using var scope = NewDisposeScope();
        var batch = randn([32, 3, 8, 8], generator: new Generator(1));
        Assert.True(augmentation.Apply(batch, 1, 10).eq(augmentation.Apply(batch, 1, 10)).all().item<bool>());
        Assert.False(augmentation.Apply(batch, 1, 10).eq(augmentation.Apply(batch, 1, 11)).all().item<bool>());
        Assert.False(augmentation.Apply(batch, 1, 10).eq(augmentation.Apply(batch, 2, 10)).all().item<bool>());
    }
}
