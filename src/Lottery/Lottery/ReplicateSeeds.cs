using Lottery.Training;

namespace Lottery.Lottery;

/// <summary>The random streams of one replicate, all derived from the run's seed and the replicate number.</summary>
public sealed record ReplicateSeeds(long Init, long Data, long Dropout)
{
    public static ReplicateSeeds For(long seed, int replicate) => new(
        Seeds.Derive(seed, "replicate", replicate, "init"),
        Seeds.Derive(seed, "replicate", replicate, "data"),
        Seeds.Derive(seed, "replicate", replicate, "dropout"));

    public Dictionary<string, long> ToDictionary() => new() { ["init"] = Init, ["data"] = Data, ["dropout"] = Dropout };
}
