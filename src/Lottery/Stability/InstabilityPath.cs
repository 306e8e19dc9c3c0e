using System.Text.Json;
using Lottery.Runs;

namespace Lottery.Stability;

/// <summary>One copy of an instability analysis: where it trained and from which SGD noise.</summary>
/// <param name="Directory">The copy's stage, relative to the branch's directory ("copy_2", or "../.." for the trunk stage itself).</param>
public sealed record CopyRecord(string Directory, long DataSeed, long DropoutSeed);

/// <summary>
/// path.json of a stability branch: the linear path (1 − α)·W1 + α·W2 between the two copies' final weights, measured at
/// evenly spaced α on the test set and on the training split (error = 1 − accuracy, and loss), and the paper's
/// instability: the largest error along the path minus the mean of the two endpoints' errors (the error barrier).
/// Computed once from the copies and kept; deleted, it is computed again from them.
/// </summary>
public sealed record InstabilityPath(
    string RewindPoint,
    int RewindIteration,
    int Points,
    string BatchNormStatistics,
    int TrainExamples,
    double Threshold,
    IReadOnlyList<CopyRecord> Copies,
    IReadOnlyList<double> Alpha,
    IReadOnlyList<double> TestError,
    IReadOnlyList<double> TestLoss,
    IReadOnlyList<double> TrainError,
    IReadOnlyList<double> TrainLoss)
{
    public const string FileName = "path.json";

    /// <summary>The error barrier of a path: max over α of error(α) − (error(0) + error(1)) / 2.</summary>
    public static double Barrier(IReadOnlyList<double> error) => error.Max() - (error[0] + error[^1]) / 2;

    public double TestInstability => Barrier(TestError);
    public double TrainInstability => Barrier(TrainError);
    /// <summary>Stable to SGD noise: the test error barrier is below <see cref="Threshold"/>.</summary>
    public bool Stable => TestInstability < Threshold;

    public void Save(string directory) => AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, RunManifest.Json) + "\n");

    public static InstabilityPath? TryLoad(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        InstabilityPath? p;
        try { p = JsonSerializer.Deserialize<InstabilityPath>(File.ReadAllText(path), RunManifest.Json); }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException) { p = null; }
        if (p is null || p.Alpha.Count < 2 || new[] { p.TestError, p.TestLoss, p.TrainError, p.TrainLoss }.Any(l => l.Count != p.Alpha.Count))
            throw new RunFileException($"{path} is corrupted: delete it and re-run the command (the path is computed again from the two copies)");
        return p;
    }
}
