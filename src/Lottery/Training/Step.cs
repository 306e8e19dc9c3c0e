using System.Text.RegularExpressions;

namespace Lottery.Training;

/// <summary>
/// A point in training written as in open_lth: "50000it", "160ep", "2ep100it". Epoch-based steps need
/// the number of iterations per epoch to become iterations, which depends on the dataset and batch size.
/// </summary>
public readonly partial record struct Step(int Epochs, int Iterations)
{
    [GeneratedRegex(@"^\s*(?:(?<ep>\d+)\s*ep)?\s*(?:(?<it>\d+)\s*it)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();

    public static Step Parse(string text)
    {
        var m = Pattern().Match(text ?? "");
        if (!m.Success || (!m.Groups["ep"].Success && !m.Groups["it"].Success))
            throw new FormatException($"malformed step '{text}': write iterations and/or epochs, e.g. 50000it, 160ep or 2ep100it");
        static int Read(Group g, string text) =>
            !g.Success ? 0 : int.TryParse(g.Value, out var v) ? v : throw new FormatException($"step '{text}' is too large");
        return new Step(Read(m.Groups["ep"], text!), Read(m.Groups["it"], text!));
    }

    public int ToIterations(int iterationsPerEpoch) => checked(Epochs * iterationsPerEpoch + Iterations);

    public override string ToString() =>
        Epochs == 0 ? $"{Iterations}it" : Iterations == 0 ? $"{Epochs}ep" : $"{Epochs}ep{Iterations}it";
}
