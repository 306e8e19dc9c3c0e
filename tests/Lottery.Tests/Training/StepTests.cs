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
        Assert.Equal(0.01, s.At(0), 12);
        Assert.Equal(0.05, s.At(4), 12);
        Assert.Equal(0.1, s.At(9), 12);
        Assert.Equal(0.1, s.At(19), 12);
        Assert.Equal(0.01, s.At(20), 12);
        Assert.Equal(0.001, s.At(30), 12);
        Assert.Equal(0.5, new LearningRateSchedule(0.5, 0, [], 0.1).At(1000));
    }
}
