using TorchSharp;

namespace Lottery.Training;

/// <summary>
/// Scalars for libtorch calls on hot paths, alive for the whole process. TorchSharp's implicit conversions (passing
/// <c>0</c>, <c>1</c> or a float where a <see cref="Scalar"/> is expected) make a Scalar that nothing references once its
/// handle has been read, and Scalars are not tracked by dispose scopes: under GC pressure the finalizer thread can free
/// it while libtorch is still reading it. CI saw exactly that twice, as "Expected false to be true" thrown from
/// c10::Scalar::toDouble/toFloat inside <c>add_</c> (the trainer's loss sum; the sparse layer's bias). Many TorchSharp
/// methods make one inside (<c>add(Tensor)</c>, <c>a + b</c>, <c>square()</c>, <c>arange(n)</c>, BatchNorm's forward…):
/// ScalarLifetimeTests reads TorchSharp's IL and ours and fails on any such call. Constants live here; per-step values
/// are created with <c>using</c>, which keeps them referenced until the call has returned.
/// </summary>
internal static class Scalars
{
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>0, 1, …, n − 1 as int64: torch.arange(n) makes its start and step as implicit Scalars.</summary>
    public static torch.Tensor Range(long n)
    {
        using Scalar stop = n.ToScalar();
        return torch.arange(Zero, stop, One, torch.ScalarType.Int64);
    }
}
