using Lottery.Data;
using Lottery.Lottery;
using Lottery.Pruning;
using Lottery.Training;
using static TorchSharp.torch;

namespace Lottery.Stability;

/// <summary>
/// Measures networks along the linear path between two trained copies. Each point's state is (1 − α)·W1 + α·W2 for
/// every parameter, so a weight both copies prune stays exactly 0 (checked), and α = 0 and 1 are the copies' own weights
/// bit for bit; it is evaluated through a parameter arena exactly as training measures, so the endpoints' accuracies
/// equal the copies' own measurements. Batch norm's running statistics: interpolated with the weights (the whole state,
/// as interpolating a PyTorch state dict does), or recomputed for each point from training batches.
/// </summary>
public static class PathEvaluator
{
    /// <summary>Batches of the training split (in the split's order, the run's batch size) that re-estimate batch norm's
    /// running statistics of a point when they are recomputed: enough that the running averages forget their reset values
    /// (0.9^100 ≈ 3e-5 with the default momentum of 0.1).</summary>
    public const int BatchNormBatches = 100;

    /// <summary>α_i = i / (points − 1), endpoints included.</summary>
    public static IReadOnlyList<double> Alphas(int points) => Enumerable.Range(0, points).Select(i => (double)i / (points - 1)).ToList();

    /// <summary>The state at α: (1 − α)·a + α·b for every tensor (parameters and buffers).</summary>
    public static Dictionary<string, float[]> Interpolate(IReadOnlyDictionary<string, float[]> a, IReadOnlyDictionary<string, float[]> b, double alpha)
    {
        float wa = (float)(1 - alpha), wb = (float)alpha;
        return a.ToDictionary(kv => kv.Key, kv =>
        {
            var x = kv.Value;
            var y = b.TryGetValue(kv.Key, out var v) && v.Length == x.Length ? v
                : throw new InvalidDataException($"the copies' weights differ in tensor '{kv.Key}'");
            var z = new float[x.Length];
            for (int i = 0; i < z.Length; i++) z[i] = wa * x[i] + wb * y[i];
            return z;
        });
    }

    /// <summary>Error and loss at each α on the test set and on the first <paramref name="trainExamples"/> training examples.</summary>
    public static (double[] TestError, double[] TestLoss, double[] TrainError, double[] TrainLoss) Evaluate(RunHandle run,
        IReadOnlyDictionary<string, float[]> w1, IReadOnlyDictionary<string, float[]> w2, Mask mask, IReadOnlyList<double> alphas,
        int trainExamples, bool recomputeBatchNorm)
    {
        var data = run.Data;
        using var model = run.CreateModel();
        using var arena = new ParameterArena(model, device: data.Train.Images.device);
        using var train = new TensorDataset(data.Train.Images.narrow(0, 0, trainExamples), data.Train.Labels.narrow(0, 0, trainExamples));
        int n = alphas.Count;
        var result = (new double[n], new double[n], new double[n], new double[n]);
        for (int i = 0; i < n; i++)
        {
            var state = Interpolate(w1, w2, alphas[i]);
            foreach (var name in mask.Names)
            {
                var alive = mask[name];
                var w = state[name];
                for (int j = 0; j < w.Length; j++)
                    if (!alive[j] && w[j] != 0)
                        throw new InvalidDataException($"the path at α = {alphas[i]} has a non-zero pruned weight in {name}: the copies do not share the mask");
            }
            arena.Load(state);
            if (recomputeBatchNorm) Recompute(model, data.Train, run.Hparams.Dataset.BatchSize);
            var (testLoss, testAccuracy) = Evaluator.Evaluate(model, data.Test);
            var (trainLoss, trainAccuracy) = Evaluator.Evaluate(model, train);
            result.Item1[i] = 1 - testAccuracy;
            result.Item2[i] = testLoss;
            result.Item3[i] = 1 - trainAccuracy;
            result.Item4[i] = trainLoss;
        }
        return result;
    }

    /// <summary>Resets every batch norm's running statistics and re-estimates them from the first training batches, in
    /// training mode without gradients (no weight changes).</summary>
    static void Recompute(Models.LotteryModel model, TensorDataset train, int batchSize)
    {
        var norms = model.modules().OfType<TorchSharp.Modules.BatchNorm>().ToList();
        if (norms.Count == 0) return;
        foreach (var bn in norms) bn.reset_running_stats();
        model.train();
        try
        {
            using var _ = no_grad();
            for (int b = 0; b < BatchNormBatches; b++)
            {
                int start = b * batchSize % Math.Max(1, train.Count - batchSize + 1);
                using var scope = NewDisposeScope();
                model.forward(train.Images.narrow(0, start, Math.Min(batchSize, train.Count - start)));
            }
        }
        finally { model.eval(); }
    }
}
