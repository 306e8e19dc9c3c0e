using Lottery.Lottery;
using Lottery.Reports;
using Lottery.Runs;

namespace Lottery.Tests.Reports;

/// <summary>`lottery runs` says what tells apart runs of one kind, network and data: their procedure (reset or rewound),
/// their hyperparameters (dropout first), and where nothing else does, their seed. A run like no other says nothing.</summary>
public sealed class RunListingTests
{
    [Fact]
    public void RunsAlikeInKindNetworkAndDataAreToldApart()
    {
        using var root = new TempDir();
        string Make(RunKind kind, global::Lottery.Hparams.ExperimentHparams h, long seed = 0, string? rewind = null)
        {
            using var run = RunHandle.Open(Synthetic.Environment(root.Path), new RunIdentity(kind, h, seed, rewind));
            run.Keep();   // a run with nothing trained yet, as one just submitted to Slurm
            return Path.GetFileName(run.Layout.Root);
        }
        var plain = Synthetic.Hparams();
        var runs = new Dictionary<string, string>
        {
            [Make(RunKind.Lottery, plain)] = "reset to θ0, no dropout, seed 0",
            [Make(RunKind.Lottery, plain, seed: 7)] = "reset to θ0, no dropout, seed 7",
            [Make(RunKind.Lottery, plain, rewind: "20it")] = "rewound to 20it, no dropout",
            [Make(RunKind.Lottery, Synthetic.Hparams(dropout: 0.5))] = "reset to θ0, dropout 0.5, iterations 200it",
            [Make(RunKind.Lottery, Synthetic.Hparams(iterations: "400it", dropout: 0.5))] = "reset to θ0, dropout 0.5, iterations 400it",
            [Make(RunKind.OneShot, plain)] = "",   // the only one-shot run: like no other
        };
        var listed = RunListing.Scan(root.Path);
        Assert.Equal(runs.Count, listed.Count);
        foreach (var r in listed) Assert.Equal(runs[r.Run], r.Setup);
    }
}
