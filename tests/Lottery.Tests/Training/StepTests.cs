using Lottery.Training;

namespace Lottery.Tests.Training;

public class StepTests
{
    [Theory]
    [InlineData("50000it", 0, 50000, 50000)]
    [InlineData("160ep", 160, 0, 160 * 917)]
    [InlineData("2ep100it", 2, 100, 2 * 917 + 100)]
    [InlineData(" 3EP ", 3, 0, 3 * 917)]
    public void ParsesOpenLthSteps(string text, int epochs, int iterations, int total)
    {
        var step = Step.Parse(text);
        Assert.Equal(new Step(epochs, iterations), step);
        Assert.Equal(total, step.ToIterations(917));
        Assert.Equal(step, Step.Parse(step.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("50000")]
    [InlineData("ep")]
    [InlineData("10it5ep")]
    [InlineData("-5it")]
    [InlineData("1.5ep")]
    [InlineData("99999999999it")]
    public void RejectsMalformedSteps(string text)
    {
        var e = Assert.Throws<FormatException>(() => Step.Parse(text));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ScheduleWarmsUpLinearlyAndDecaysAtMilestones()
    {
        var s = new LearningRateSchedule(0.1, 10, [20, 30], 0.1);
        Assert.Equal(0.0, s.At(0), 12);
        Assert.Equal(0.05, s.At(5), 12);
        Assert.Equal(0.09, s.At(9), 12);
        Assert.Equal(0.1, s.At(10), 12);
        Assert.Equal(0.1, s.At(19), 12);
        Assert.Equal(0.01, s.At(20), 12);
        Assert.Equal(0.001, s.At(30), 12);
        Assert.Equal(0.5, new LearningRateSchedule(0.5, 0, [], 0.1).At(1000));
    }

    [Fact]
    public void TheCifarResNetScheduleAtItsBoundaries()
    {
        // The paper's ResNet: lr 0.03, warmup over 20K iterations, ×0.1 at 20K and 25K.
        var s = new LearningRateSchedule(0.03, 20_000, [20_000, 25_000], 0.1);
        Assert.Equal(0.0, s.At(0));
        Assert.Equal(0.015, s.At(10_000), 12);
        Assert.InRange(s.At(19_999), 0.03 - 2e-6, 0.03 - 1e-6);   // just below 0.03
        Assert.Equal(0.003, s.At(20_000), 12);
        Assert.Equal(0.003, s.At(24_999), 12);
        Assert.Equal(0.0003, s.At(25_000), 12);
        // Milestones given in epochs: ×0.1 from the first iteration of epoch 80 (10 iterations per epoch here).
        var plan = TrainingPlan.Create(new global::Lottery.Hparams.TrainingHparams("sgd", 0.1, "160ep", Momentum: 0.9, WeightDecay: 1e-4,
            Warmup: "100it", Milestones: ["80ep", "120ep"]), 64, 640);
        Assert.Equal(1600, plan.TotalIterations);
        Assert.Equal(0.1, plan.Schedule.At(799), 12);
        Assert.Equal(0.01, plan.Schedule.At(800), 12);
        Assert.Equal(0.001, plan.Schedule.At(1200), 12);
    }
}
