namespace Lottery.Runs;

/// <summary>
/// An exclusive lock on a run directory, held for as long as a process works in it. .NET maps FileShare.None to
/// an advisory flock on Unix, so the lock disappears with the process, even after kill -9: no stale lock files.
/// </summary>
public sealed class RunLock : IDisposable
{
    readonly FileStream _stream;

    RunLock(FileStream stream) => _stream = stream;

    public static RunLock Acquire(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString());
            stream.Write(pid);
            stream.Flush();
            return new RunLock(stream);
        }
        catch (IOException)
        {
            string owner = "";
            try { owner = File.ReadAllText(path).Trim(); } catch (IOException) { }
            throw new RunFileException($"run directory {directory} is in use by another lottery process{(owner.Length > 0 ? $" (pid {owner})" : "")}: wait for it to finish or stop it, then re-run");
        }
    }

    /// <summary>True when some process holds the lock now.</summary>
    public static bool IsHeld(string directory)
    {
        var path = Path.Combine(directory, "lock");
        if (!File.Exists(path)) return false;
        try { using var s = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None); return false; }
        catch (IOException) { return true; }
    }

    public void Dispose() => _stream.Dispose();
}
