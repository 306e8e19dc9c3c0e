using System.Runtime.InteropServices;

namespace Lottery.Native;

/// <summary>Asks the running process's dynamic loader (not a file scan) whether a versioned symbol exists.</summary>
public static class HostLibrary
{
    const int RtldLazy = 0x1;

    [DllImport("libc.so.6", EntryPoint = "dlopen")]
    static extern IntPtr DlOpen(string file, int flags);

    [DllImport("libc.so.6", EntryPoint = "dlvsym")]
    static extern IntPtr DlVSym(IntPtr handle, string symbol, string version);

    /// <summary>True when <paramref name="library"/> (e.g. libstdc++.so.6) exports <paramref name="symbol"/>
    /// at <paramref name="version"/>. Only meaningful on glibc Linux; false elsewhere.</summary>
    public static bool HasVersionedSymbol(string library, string symbol, string version)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            var handle = DlOpen(library, RtldLazy);
            return handle != IntPtr.Zero && DlVSym(handle, symbol, version) != IntPtr.Zero;
        }
        catch (DllNotFoundException) { return false; }      // not glibc (musl): nothing to ask
        catch (EntryPointNotFoundException) { return false; }
    }
}
