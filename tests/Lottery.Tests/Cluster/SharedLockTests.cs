using System.Text.Json;
using Lottery.Runs;

namespace Lottery.Tests.Cluster;

/// <summary>
/// The replicate lock on a shared filesystem: a record from another host with a fresh heartbeat is a live holder even
/// where flock does not reach across hosts; a stale one, or one whose Slurm job has ended, is taken over.
/// </summary>
[Collection(nameof(SharedLockTests))]   // replaces RunLock.JobAlive, a process-wide hook
public sealed class SharedLockTests : IDisposable
{
    readonly TempDir _dir = new();
    readonly Func<string, bool?> _jobAlive = RunLock.JobAlive;

    public void Dispose()
    {
        RunLock.JobAlive = _jobAlive;
        _dir.Dispose();
    }

    string LockLeftBy(string host, string? job, TimeSpan heartbeatAge)
    {
        var dir = Path.Combine(_dir.Path, "replicate_1");
        Directory.CreateDirectory(dir);
        var path = RunLock.OwnerFile(dir);
        File.WriteAllText(path, JsonSerializer.Serialize(new LockOwner(4242, host, job, DateTimeOffset.UtcNow - heartbeatAge)));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - heartbeatAge);
        return dir;
    }

    [Fact]
    public void AnotherHostsFreshHeartbeatIsALiveHolderAndIsRefused()
    {
        RunLock.JobAlive = _ => null;   // no scheduler to ask: the heartbeat decides
        var dir = LockLeftBy("node-elsewhere", "77_1", TimeSpan.FromSeconds(10));
        var e = Assert.Throws<RunFileException>(() => RunLock.Acquire(dir));
        Assert.Contains("in use by Slurm job 77_1, pid 4242 on node-elsewhere", e.Message);
        Assert.True(RunLock.IsHeld(dir));
        // Refused means untouched: the holder's record is still there.
        Assert.Contains("node-elsewhere", File.ReadAllText(RunLock.OwnerFile(dir)));
    }

    [Fact]
    public void AStaleHeartbeatFromAnotherHostIsTakenOver()
    {
        RunLock.JobAlive = _ => null;
        var dir = LockLeftBy("node-elsewhere", null, RunLock.Lease + TimeSpan.FromSeconds(30));
        Assert.False(RunLock.IsHeld(dir));
        using var taken = RunLock.Acquire(dir);
        Assert.Equal("node-elsewhere", taken.TakenOver?.Host);
        var record = LockOwner.Parse(File.ReadAllText(RunLock.OwnerFile(dir)))!;
        Assert.Equal((Environment.ProcessId, RunLock.HostName), (record.Pid, record.Host));
        taken.Dispose();
        Assert.False(File.Exists(RunLock.OwnerFile(dir)));   // let go cleanly: no record left to wait for
    }

    [Fact]
    public void TheSchedulerOverridesTheHeartbeatBothWays()
    {
        // Its job has ended: taken over at once, however fresh the heartbeat.
        RunLock.JobAlive = job => job == "77_1" ? false : null;
        var dir = LockLeftBy("node-elsewhere", "77_1", TimeSpan.FromSeconds(5));
        using (var taken = RunLock.Acquire(dir)) Assert.Equal("77_1", taken.TakenOver?.Job);

        // Its job still runs: refused, however old the heartbeat (a stalled filesystem, a suspended job).
        RunLock.JobAlive = job => job == "78_2" ? true : null;
        dir = LockLeftBy("node-elsewhere", "78_2", TimeSpan.FromHours(1));
        var e = Assert.Throws<RunFileException>(() => RunLock.Acquire(dir));
        Assert.Contains("Slurm says the job is running", e.Message);
    }

    [Fact]
    public void ALockLeftOnThisHostIsTakenOverSilentlyAndLegacyPidFilesStillParse()
    {
        var dir = LockLeftBy(RunLock.HostName, null, TimeSpan.FromSeconds(1));
        using (var l = RunLock.Acquire(dir)) Assert.Null(l.TakenOver);   // flock is free: its holder has ended
        File.WriteAllText(RunLock.OwnerFile(dir), "12345");   // a bare pid, as lock files held before hosts were recorded
        Assert.Equal(12345, LockOwner.Parse("12345")!.Pid);
        using (var l = RunLock.Acquire(dir)) Assert.Null(l.TakenOver);
        // A second acquisition in the same process while held is refused by flock itself.
        using var held = RunLock.Acquire(dir);
        Assert.Contains($"pid {Environment.ProcessId} on {RunLock.HostName}", Assert.Throws<RunFileException>(() => RunLock.Acquire(dir)).Message);
    }
}
