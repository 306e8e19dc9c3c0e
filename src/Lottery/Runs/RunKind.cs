namespace Lottery.Runs;

/// <summary>What a run directory holds: a dense training run, an iterative lottery run, or a one-shot run.</summary>
public enum RunKind { Train, Lottery, OneShot }

public static class RunKindNames
{
    public static string Prefix(this RunKind kind) => kind switch
    {
        RunKind.Train => "train",
        RunKind.Lottery => "lottery",
        _ => "oneshot",
    };

    public static RunKind Parse(string prefix) => prefix switch
    {
        "train" => RunKind.Train,
        "lottery" => RunKind.Lottery,
        "oneshot" => RunKind.OneShot,
        _ => throw new RunFileException($"unknown run kind '{prefix}'"),
    };
}
