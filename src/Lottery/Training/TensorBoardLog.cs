using TorchSharp;

namespace Lottery.Training;

/// <summary>
/// TensorBoard event files of one stage (TorchSharp's SummaryWriter; a stock TensorBoard reads them): at every
/// measurement the training loss since the previous one, validation and test loss and accuracy (test where
/// measured) and the learning rate of the last step. Point TensorBoard at a run directory and each replicate,
/// level and control appears as its own run (replicate_1/level_3/controls/reinit_1/tensorboard). A resumed stage
/// writes a new event file and repeats the measurements it recomputes, with identical values. SummaryWriter
/// appends and flushes each event as it is written, so there is nothing to close.
/// </summary>
public sealed class TensorBoardLog
{
    public const string DirectoryName = "tensorboard";
    readonly TorchSharp.Modules.SummaryWriter _writer;
    readonly LearningRateSchedule _schedule;

    public TensorBoardLog(string stageDirectory, LearningRateSchedule schedule)
    {
        _writer = torch.utils.tensorboard.SummaryWriter(Path.Combine(stageDirectory, DirectoryName));
        _schedule = schedule;
    }

    public void Write(MetricsRow row)
    {
        int step = row.Iteration;
        if (row.TrainLoss is double t) _writer.add_scalar("train/loss", (float)t, step);
        _writer.add_scalar("validation/loss", (float)row.ValidationLoss, step);
        _writer.add_scalar("validation/accuracy", (float)row.ValidationAccuracy, step);
        if (row.TestLoss is double tl) _writer.add_scalar("test/loss", (float)tl, step);
        if (row.TestAccuracy is double ta) _writer.add_scalar("test/accuracy", (float)ta, step);
        _writer.add_scalar("train/learning_rate", (float)_schedule.At(Math.Max(0, step - 1)), step);
    }

}
