using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Lottery.Native;

/// <summary>
/// Makes TorchSharp's native library load on hosts whose libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04).
/// libLibTorchSharp.so asks for GLIBCXX_3.4.32 for exactly one symbol (_ZSt21ios_base_library_initv) that it
/// never relocates against. Where the host lacks that version, we load a copy of the library whose one
/// requirement is marked weak (see <see cref="ElfVersionPatcher"/>), kept in a cache directory beside links
/// to its sibling libraries, and point TorchSharp's DllImport at it. Where the host has the version, nothing
/// is done. Runs from the module initializer, so any program that references this library gets it before
/// its first tensor.
/// </summary>
public static class TorchNativeLoader
{
    public const string LibraryFile = "libLibTorchSharp.so";
    public const string NeededLibrary = "libstdc++.so.6";
    public const string NeededVersion = "GLIBCXX_3.4.32";
    public const string NeededSymbol = "_ZSt21ios_base_library_initv";

    static readonly object Gate = new();
    static bool _done;
    static IntPtr _handle;

    /// <summary>What the loader did, for manifests and `lottery --version`.</summary>
    public static string Status { get; private set; } = "not initialised";

    /// <summary>Path of the patched copy in use, or null when the original library loads as shipped.</summary>
    public static string? PatchedLibraryPath { get; private set; }

#pragma warning disable CA2255 // A module initializer is the point: every program that references Lottery gets the fix.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        try { EnsureLoaded(); }
        catch (Exception e) { Status = "patch failed: " + e.Message; }  // TorchSharp will report its own error later
    }

    /// <summary>Idempotent. Call before the first use of TorchSharp if this assembly may load late.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_done) return;
            _done = true;
            AllocatorTuning.Apply();
            if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            {
                Status = "no patch needed on this platform";
                return;
            }
            if (HostLibrary.HasVersionedSymbol(NeededLibrary, NeededSymbol, NeededVersion))
            {
                Status = $"host {NeededLibrary} provides {NeededVersion}: library loaded as shipped";
                return;
            }
            var original = FindOriginal();
            if (original is null)
            {
                Status = $"{LibraryFile} not found beside the program: nothing patched";
                return;
            }
            var patched = PreparePatchedCopy(original);
            _handle = NativeLibrary.Load(patched);
            PatchedLibraryPath = patched;
            var torchSharp = typeof(TorchSharp.torch).Assembly;
            try
            {
                NativeLibrary.SetDllImportResolver(torchSharp, Resolve);
            }
            catch (InvalidOperationException)
            {
                // Someone else owns the resolver: fall back to the event that fires after normal probing fails.
                System.Runtime.Loader.AssemblyLoadContext.Default.ResolvingUnmanagedDll +=
                    (asm, name) => asm == torchSharp && IsTorchSharpLibrary(name) ? _handle : IntPtr.Zero;
            }
            Status = $"host {NeededLibrary} lacks {NeededVersion}: loaded patched copy {patched}";
        }
    }

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        IsTorchSharpLibrary(name) ? _handle : IntPtr.Zero;

    static bool IsTorchSharpLibrary(string name) =>
        name is "LibTorchSharp" or "libLibTorchSharp" or LibraryFile;

    /// <summary>The shipped library: beside the program, in its runtimes folder, or in a native search directory.</summary>
    internal static string? FindOriginal()
    {
        var dirs = new List<string> { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native") };
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
            dirs.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        var torchDir = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchDir)) dirs.Add(torchDir);
        return dirs.Select(d => Path.Combine(d, LibraryFile)).FirstOrDefault(File.Exists);
    }

    /// <summary>Creates (once per distinct original) cache/native/HASH/ holding the patched library and links to
    /// every sibling, so that the copy's RUNPATH ($ORIGIN) still finds libtorch. Built under a temporary name
    /// and renamed into place, so a concurrent or killed process never sees half a directory.</summary>
    internal static string PreparePatchedCopy(string original)
    {
        var bytes = File.ReadAllBytes(original);
        var sourceDir = Path.GetDirectoryName(Path.GetFullPath(original))!;
        // Keyed by content and by source folder: the links must point at the very files TorchSharp loads from
        // that folder (libtorch_cpu.so loaded twice from two copies aborts in its static registrations).
        var key = SHA256.HashData([.. bytes, .. System.Text.Encoding.UTF8.GetBytes(sourceDir)]);
        var hash = Convert.ToHexString(key)[..16].ToLowerInvariant();
        var root = WritableNativeRoot();
        var dir = Path.Combine(root, hash);
        var target = Path.Combine(dir, LibraryFile);
        if (File.Exists(target) && LinksIntact(dir)) return target;
        if (Directory.Exists(dir)) Directory.Delete(dir, true);

        var staging = Path.Combine(root, $"{hash}.tmp-{Environment.ProcessId}");
        if (Directory.Exists(staging)) Directory.Delete(staging, true);
        Directory.CreateDirectory(staging);
        ElfVersionPatcher.MarkWeak(bytes, NeededLibrary, NeededVersion);
        File.WriteAllBytes(Path.Combine(staging, LibraryFile), bytes);
        foreach (var sibling in Directory.EnumerateFiles(sourceDir))
        {
            var name = Path.GetFileName(sibling);
            if (name == LibraryFile || !name.Contains(".so")) continue;
            File.CreateSymbolicLink(Path.Combine(staging, name), sibling);
        }
        try { Directory.Move(staging, dir); }
        catch (IOException) when (File.Exists(target)) { Directory.Delete(staging, true); }  // another process won
        return target;
    }

    /// <summary>CACHE/native, or a folder under the temp directory when the cache cannot be written.</summary>
    static string WritableNativeRoot()
    {
        foreach (var candidate in new[] { Path.Combine(CacheRoot(), "native"), Path.Combine(Path.GetTempPath(), $"lottery-native-{Environment.UserName}") })
        {
            try
            {
                Directory.CreateDirectory(candidate);
                var probe = Path.Combine(candidate, $".probe-{Environment.ProcessId}");
                File.WriteAllBytes(probe, []);
                File.Delete(probe);
                return candidate;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        throw new IOException("no writable folder for the patched TorchSharp library: set LOTTERY_CACHE to one");
    }

    static bool LinksIntact(string dir) =>
        Directory.EnumerateFiles(dir).All(f => new FileInfo(f).LinkTarget is not { } link || File.Exists(link));

    /// <summary>LOTTERY_CACHE, else XDG_CACHE_HOME/lottery, else ~/.cache/lottery.</summary>
    public static string CacheRoot()
    {
        var explicitRoot = Environment.GetEnvironmentVariable("LOTTERY_CACHE");
        if (!string.IsNullOrEmpty(explicitRoot)) return explicitRoot;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var root = !string.IsNullOrEmpty(xdg) ? Path.Combine(xdg, "lottery")
            : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache", "lottery")
            : Path.Combine(Path.GetTempPath(), "lottery-cache");
        return root;
    }
}
