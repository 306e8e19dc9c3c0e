using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lottery.Runs;

/// <summary>Who holds a lock: written into the lock file by its holder.</summary>
/// <param name="Job">The Slurm job (or array task, "12_3") the holder runs in; null outside Slurm.</param>
public sealed record LockOwner(
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("job")] string? Job,
    [property: JsonPropertyName("since")] DateTimeOffset Since)
{
    public override string ToString() =>
        $"{(Job is null ? "" : $"Slurm job {Job}, ")}pid {Pid.ToString(CultureInfo.InvariantCulture)} on {Host}";

    public static LockOwner Current() => new(Environment.ProcessId, RunLock.HostName, SlurmJob(), DateTimeOffset.UtcNow);

    static string? SlurmJob()
    {
        var job = Environment.GetEnvironmentVariable("SLURM_JOB_ID");
        if (string.IsNullOrEmpty(job)) return null;
        var array = Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID");
        var task = Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID");
        return !string.IsNullOrEmpty(array) && !string.IsNullOrEmpty(task) ? $"{array}_{task}" : job;
    }

    /// <summary>The record in a lock file: JSON, or a bare process id (locks written before hosts were recorded).</summary>
    public static LockOwner? Parse(string text)
    {
        text = text.Trim();
        if (text.Length == 0) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return new LockOwner(pid, RunLock.HostName, null, default);
        try { return JsonSerializer.Deserialize<LockOwner>(text); }
        catch (JsonException) { return null; }
    }
}

/// <summary>
/// An exclusive lock on a run directory (a replicate), held for as long as a process works in it.
/// <para>Two mechanisms, because runs live on shared filesystems. (1) An advisory flock on the file "lock" (.NET maps
/// FileShare.None to flock on Unix): the kernel drops it when the process ends, even after kill -9, so on one machine a
/// lock is never stale; on NFSv4, Linux clients turn flock into NFS byte-range locks that every client sees, and the
/// server drops them when the holder's host stops renewing its lease (about 90 s after a node dies). (2) For
/// filesystems where flock stays local to each client (NFSv3 mounted with nolock, Lustre without -o flock), the
/// holder writes who it is (host, pid, Slurm job) into "lock.owner" (write-then-rename, atomic within a directory)
/// and touches it every <see cref="Heartbeat"/>, and deletes it when it lets go. A record from another host whose
/// heartbeat is younger than <see cref="Lease"/> is a live holder: the lock is refused even though flock succeeded.
/// An older one, or one whose Slurm job the scheduler says has ended, is a dead job's: the lock is taken over
/// (<see cref="TakenOver"/> says from whom).</para>
/// </summary>
public sealed class RunLock : IDisposable
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(150);

    /// <summary>This machine's name as locks record it (short, as Slurm names nodes).</summary>
    public static string HostName { get; } = System.Net.Dns.GetHostName().Split('.')[0];

    /// <summary>Asks the scheduler whether a job is alive (true/false), or null when it cannot be asked (no squeue here):
    /// then only the heartbeat decides. Replaceable for tests.</summary>
    public static Func<string, bool?> JobAlive { get; set; } = Cluster.Slurm.IsAlive;

    readonly FileStream _stream;
    readonly string _owner;
    readonly Timer _heartbeat;

    /// <summary>The holder whose lock this one replaced (a dead job's, on another host), or null.</summary>
    public LockOwner? TakenOver { get; }

    RunLock(FileStream stream, string owner, LockOwner? takenOver)
    {
        _stream = stream;
        _owner = owner;
        TakenOver = takenOver;
        _heartbeat = new Timer(_ => Touch(), null, Heartbeat, Heartbeat);
    }

    public static string OwnerFile(string directory) => Path.Combine(directory, "lock.owner");

    public static RunLock Acquire(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "lock");
        var ownerPath = OwnerFile(directory);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var holder = ReadOwner(ownerPath);
            throw new RunFileException($"{directory} is in use by another lottery process{(holder is null ? "" : $" ({holder})")}: " +
                "wait for it to finish or stop it, then re-run");
        }
        LockOwner? previous;
        try
        {
            previous = ReadOwner(ownerPath);
            if (previous is not null && previous.Host != HostName)
            {
                var age = Age(ownerPath);
                bool? alive = previous.Job is null ? null : JobAlive(previous.Job);
                if (alive == true || (alive is null && age < Lease))
                    throw new RunFileException($"{directory} is in use by {previous} (its heartbeat is {Seconds(age)} old" +
                        $"{(alive == true ? " and Slurm says the job is running" : "")}): wait for it to finish or cancel it; a dead holder's lock " +
                        $"is taken over {Seconds(Lease)} after its last heartbeat");
            }
            AtomicFile.WriteAllText(ownerPath, JsonSerializer.Serialize(LockOwner.Current()) + "\n");
            // The pid in the lock file itself too, for tools that look there.
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
            stream.Flush();
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        // A holder on this host that let go (flock free) ended or died: nothing to report. Another host's is.
        return new RunLock(stream, ownerPath, previous is not null && previous.Host != HostName ? previous : null);
    }

    static TimeSpan Age(string path) => DateTime.UtcNow - File.GetLastWriteTimeUtc(path);

    static string Seconds(TimeSpan t) => $"{Math.Max(0, t.TotalSeconds):0} s";

    static LockOwner? ReadOwner(string path)
    {
        try { return File.Exists(path) ? LockOwner.Parse(File.ReadAllText(path)) : null; }
        catch (IOException) { return null; }
    }

    /// <summary>True when some process holds the lock now: a flock held, or another host's fresh heartbeat.</summary>
    public static bool IsHeld(string directory)
    {
        var path = Path.Combine(directory, "lock");
        var ownerPath = OwnerFile(directory);
        if (File.Exists(path))
        {
            try
            {
                using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
            }
            catch (IOException) { return true; }
            catch (UnauthorizedAccessException) { }   // a run on a read-only copy: nobody here can hold it
        }
        return ReadOwner(ownerPath) is { } owner && owner.Host != HostName && Age(ownerPath) < Lease;
    }

    void Touch()
    {
        try { File.SetLastWriteTimeUtc(_owner, DateTime.UtcNow); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        _heartbeat.Dispose();
        // Gone before the flock is released: whoever takes the lock next finds no record of a live holder.
        try { File.Delete(_owner); } catch (IOException) { }
        _stream.Dispose();
    }
}
