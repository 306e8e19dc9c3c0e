using Lottery.Branches;
using Lottery.Lottery;
using Lottery.Reports;
using Lottery.Runs;

namespace Lottery.Tests.Branches;

/// <summary>A branch locks the directories it writes, not its replicate: a replicate's branches run beside its trunk and
/// beside each other (a recipe's reinitialization and random pruning of one replicate at once), and no branch instance
/// runs twice at once.</summary>
public class BranchLockTests
{
    static RunHandle Open(string root) =>
        RunHandle.Open(Synthetic.Environment(root), new RunIdentity(RunKind.Lottery, Synthetic.Hparams(iterations: "60it"), 0, null));

    static string Instance(RunHandle run, int r, int level, string branch) =>
        RunLayout.Branch(run.Layout.Level(r, level), BranchRegistry.Get(branch).Instances(new BranchOptions())[0]);

    /// <summary>A temporary file as an interrupted write leaves it, of a process that no longer exists.</summary>
    static string DeadWritersTemporary(string dir)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $".metrics.csv.{4_194_000}.{Guid.NewGuid():N}.tmp");
        Assert.False(Directory.Exists("/proc/4194000"));
        File.WriteAllText(path, "cut short");
        return path;
    }

    [Fact]
    public void BranchesOfAReplicateRunBesideItsTrunkAndBesideEachOther()
    {
        using var root = new TempDir();
        using (var run = Open(root.Path)) new LotteryRunner(run).Find(1, [1]);

        using var trunk = Open(root.Path);
        trunk.Claim(1);                                          // the trunk's process, extending the run meanwhile
        using var other = Open(root.Path);
        var random = Instance(other, 1, 1, "random_pruning");
        other.ClaimBranch(random);                               // another process, in its random pruning
        Assert.True(RunLock.IsHeld(random));

        using var reinit = Open(root.Path);
        var summaries = new BranchRunner(reinit).Run(BranchRegistry.Get("reinit"), [1], [1], null);
        Assert.Single(summaries);
        Assert.NotNull(StageSummary.TryLoad(Instance(reinit, 1, 1, "reinit")));
        Assert.True(RunLock.IsHeld(Instance(reinit, 1, 1, "reinit")));   // held until its process lets go
        Assert.False(File.Exists(Path.Combine(random, StageSummary.FileName)));
    }

    [Fact]
    public void ABranchInstanceInUseIsRefusedAndTheRefusedCommandLeavesNothing()
    {
        using var root = new TempDir();
        using (var run = Open(root.Path)) new LotteryRunner(run).Find(1, [1, 2]);
        using var holder = Open(root.Path);
        var held = Instance(holder, 2, 1, "reinit");
        holder.ClaimBranch(held);

        using (var second = Open(root.Path))
        {
            var e = Assert.Throws<RunFileException>(() => new BranchRunner(second).Run(BranchRegistry.Get("reinit"), [1, 2], [1], null));
            Assert.Contains("in use by another lottery process", e.Message);
            Assert.Contains(Path.Combine("replicate_2", "level_1"), e.Message);
        }
        // Replicate 1's instance was locked (so made) before replicate 2's was refused: gone with the process that made it.
        Assert.False(Directory.Exists(Instance(holder, 1, 1, "reinit")));
        Assert.False(Directory.Exists(Path.Combine(holder.Layout.Level(1, 1), RunLayout.BranchFolder)));
        // The holder's directory is its own and stays.
        Assert.True(Directory.Exists(held));
        Assert.True(RunLock.IsHeld(held));
    }

    [Fact]
    public void EachLockCleansOnlyItsOwnDirectoriesOfInterruptedWrites()
    {
        using var root = new TempDir();
        using (var run = Open(root.Path)) new LotteryRunner(run).Find(1, [1]);
        using var probe = Open(root.Path);
        var inTrunk = DeadWritersTemporary(probe.Layout.Level(1, 1));
        var inBranch = DeadWritersTemporary(Instance(probe, 1, 1, "reinit"));
        var inRewind = DeadWritersTemporary(probe.Layout.RewindPoint(1, "10it"));

        using (var trunk = Open(root.Path)) trunk.Claim(1);
        Assert.False(File.Exists(inTrunk));
        Assert.True(File.Exists(inBranch));                      // the branch's holder may be writing it (from another host)
        Assert.True(File.Exists(inRewind));

        using (var branch = Open(root.Path)) branch.ClaimBranch(Instance(branch, 1, 1, "reinit"));
        Assert.False(File.Exists(inBranch));
        Assert.True(File.Exists(inRewind));
        using (var branch = Open(root.Path)) branch.ClaimBranch(branch.Layout.RewindPoint(1, "10it"));
        Assert.False(File.Exists(inRewind));
    }

    [Fact]
    public void ARunWithOnlyABranchAtWorkIsRunning()
    {
        using var root = new TempDir();
        string dir;
        using (var run = Open(root.Path))
        {
            new LotteryRunner(run).Find(1, [1]);
            new BranchRunner(run).Run(BranchRegistry.Get("reinit"), [1], [1], null);
            dir = run.Layout.Root;
        }
        Assert.False(ExperimentData.Load(dir).Running);
        Assert.Equal("complete", Assert.Single(RunListing.Scan(root.Path)).State);

        using (var holder = Open(root.Path))
        {
            holder.ClaimBranch(Instance(holder, 1, 1, "reinit"));
            Assert.True(ExperimentData.Load(dir).Running);
            Assert.Equal("running", Assert.Single(RunListing.Scan(root.Path)).State);
        }
        using (var holder = Open(root.Path))
        {
            holder.ClaimBranch(holder.Layout.RewindPoint(1, "10it"));
            Assert.True(ExperimentData.Load(dir).Running);
        }
        Assert.False(ExperimentData.Load(dir).Running);
        Assert.Equal("complete", Assert.Single(RunListing.Scan(root.Path)).State);
    }
}
