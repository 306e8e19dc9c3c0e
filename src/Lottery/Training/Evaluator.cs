using Lottery.Data;
using Lottery.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Training;

/// <summary>Loss and accuracy of a model on a dataset, in large batches, with sums kept on the device and one
/// host read at the end.</summary>
public static class Evaluator
{
    /// <param name="batchSize">Examples per batch; by default the model's <see cref="LotteryModel.EvaluationBatchSize"/>.</param>
    public static (double Loss, double Accuracy) Evaluate(LotteryModel model, TensorDataset data, int? batchSize = null)
    {
        int batch = batchSize ?? model.EvaluationBatchSize;
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            var lossSum = zeros(1, dtype: ScalarType.Float64, device: data.Images.device);
            var correct = zeros(1, dtype: ScalarType.Int64, device: data.Images.device);
            for (int start = 0; start < data.Count; start += batch)
            {
                // A scope per batch: each batch's activations are freed before the next batch allocates its own,
                // so the allocator reuses the same memory instead of holding every batch's until the end.
                using var batchScope = NewDisposeScope();
                int n = Math.Min(batch, data.Count - start);
                var x = data.Images.narrow(0, start, n);
                var y = data.Labels.narrow(0, start, n);
                var logits = model.forward(x);
                lossSum.add_(nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).to(ScalarType.Float64), Scalars.One);
                correct.add_(logits.argmax(1).eq(y).sum(), Scalars.One);
            }
            return (lossSum.item<double>() / data.Count, (double)correct.item<long>() / data.Count);
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }
}
