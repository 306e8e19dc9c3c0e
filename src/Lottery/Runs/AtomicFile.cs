namespace Lottery.Runs;

/// <summary>Writes a file under a temporary name in the same directory, flushes it to disk, then renames it
/// over the target: readers see the old file or the new one, never half of one.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Deletes temporary files in <paramref name="directory"/> left by writes that a crash cut short
    /// (their writer's process is gone); files of live writers are left alone. Recursive, it leaves out the
    /// subdirectories <paramref name="skip"/> names (another lock's, whose holder cleans them).</summary>
    public static void RemoveStaleTemporaries(string directory, bool recursive = false, Func<string, bool>? skip = null)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var path in Directory.EnumerateFiles(directory, ".*.tmp", SearchOption.TopDirectoryOnly))
        {
            // .NAME.PID.GUID.tmp
            var parts = Path.GetFileName(path).Split('.');
            if (parts.Length < 5 || !int.TryParse(parts[^3], out var pid)) continue;
            if (pid != Environment.ProcessId && IsAlive(pid)) continue;
            try { File.Delete(path); } catch (IOException) { }
        }
        if (!recursive) return;
        foreach (var sub in Directory.EnumerateDirectories(directory))
            if (skip is null || !skip(sub)) RemoveStaleTemporaries(sub, recursive: true, skip);
    }

    static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });
}
