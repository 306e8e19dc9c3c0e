namespace Lottery.Runs;

/// <summary>The files of one stage's directory (a level, a one-shot target or a branch of either): every reader and
/// writer of a stage names them through here.</summary>
public static class StageFiles
{
    /// <summary>Which weights train (true) and which are pruned; written before training starts.</summary>
    public const string Mask = "mask.tsr";
    /// <summary>Per-layer counts of the mask.</summary>
    public const string Sparsity = "sparsity.json";
    /// <summary>Where the mask came from: the score, its hyperparameters and random stream, the layers it emptied.</summary>
    public const string Pruning = "pruning.json";
    /// <summary>The starting weights (θ0 or θk under the mask).</summary>
    public const string Start = "start.tsr";
    /// <summary>Every measurement, appended as training goes.</summary>
    public const string Metrics = "metrics.csv";
    /// <summary>Weights, optimizer state and position of an interrupted stage (deleted when it finishes).</summary>
    public const string Checkpoint = "checkpoint.tsr";
    /// <summary>The weights at the end of training.</summary>
    public const string Final = "final.tsr";
    /// <summary>The weights after the rewind iteration k of dense training (θk).</summary>
    public const string Capture = "capture.tsr";
    /// <summary>Written last: its presence means the stage is finished.</summary>
    public const string Summary = "summary.json";
    /// <summary>The final weights' accuracy on the training split (written by `lottery report`).</summary>
    public const string TrainAccuracy = "train_accuracy.json";
    /// <summary>TensorBoard event files.</summary>
    public const string TensorBoard = "tensorboard";
}
