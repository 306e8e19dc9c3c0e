using System.Runtime.InteropServices;

namespace Lottery.Sparse;

/// <summary>Where a pinned float array reaches a cache-line (64-byte) boundary.</summary>
static class Alignment
{
    /// <summary>The index of the first element of <paramref name="pinned"/> (allocated on the pinned heap: its address never
    /// moves) whose address is a multiple of 64 bytes: 0 to 15.</summary>
    public static int FloatsTo64Bytes(float[] pinned)
    {
        var handle = GCHandle.Alloc(pinned, GCHandleType.Pinned);
        try
        {
            long address = handle.AddrOfPinnedObject();
            return (int)((64 - address % 64) % 64 / sizeof(float));
        }
        finally { handle.Free(); }
    }
}
