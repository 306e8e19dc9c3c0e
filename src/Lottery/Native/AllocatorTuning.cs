using System.Runtime.InteropServices;

namespace Lottery.Native;

/// <summary>
/// Keeps freed memory in the process instead of handing it back to the kernel after every tensor. libtorch
/// allocates its CPU tensors with glibc's malloc; by default glibc returns freed memory at the top of a heap once
/// more than 128 KiB is free, and serves blocks above a (dynamic) threshold with a fresh mmap that is unmapped on
/// free. A conv net's activations are megabytes each, allocated and freed every batch, so each batch's memory is
/// mapped and faulted in anew: measured here, `lottery bench` on Conv-2/Conv-6 took ~18 million minor page faults
/// and as much system time as user time. Raising the trim threshold and fixing the mmap threshold at glibc's
/// largest (32 MiB on 64-bit) makes the heap keep and reuse what it has. Done once, from the native loader, so
/// every program that uses the library gets it; a no-op where the C library is not glibc.
/// </summary>
public static class AllocatorTuning
{
    const int M_TRIM_THRESHOLD = -1;
    const int M_MMAP_THRESHOLD = -3;

    /// <summary>glibc's maximum mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX = 4 MiB × sizeof(long)).</summary>
    public const int MmapThreshold = 32 << 20;

    /// <summary>Freed memory beyond this at the top of a heap is returned to the kernel (1 GiB: in practice, never
    /// during a run; the process's footprint is its peak working set).</summary>
    public const int TrimThreshold = 1 << 30;

    /// <summary>What was done, for the manifest.</summary>
    public static string Status { get; private set; } = "not applied";

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int Mallopt(int parameter, int value);

    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable("LOTTERY_ALLOCATOR") == "system")
        {
            Status = "LOTTERY_ALLOCATOR=system: allocator left as is";
            return;
        }
        if (!OperatingSystem.IsLinux())
        {
            Status = "not Linux: allocator left as is";
            return;
        }
        try
        {
            bool ok = Mallopt(M_MMAP_THRESHOLD, MmapThreshold) == 1 & Mallopt(M_TRIM_THRESHOLD, TrimThreshold) == 1;
            Status = ok ? $"glibc malloc: mmap threshold {MmapThreshold >> 20} MiB, trim threshold {TrimThreshold >> 20} MiB"
                        : "glibc malloc refused the thresholds: allocator left as is";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Status = "no glibc mallopt: allocator left as is";
        }
    }
}
