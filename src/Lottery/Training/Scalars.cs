using TorchSharp;

namespace Lottery.Training;

/// <summary>
/// Scalars for libtorch calls on hot paths, alive for the whole process. TorchSharp's implicit conversions (passing
/// <c>0</c>, <c>1</c> or a float where a <see cref="Scalar"/> is expected) make a Scalar that nothing references once its
/// handle has been read, and Scalars are not tracked by dispose scopes: under GC pressure the finalizer thread can free
/// it while libtorch is still reading it. CI saw exactly that once, as "Expected false to be true" thrown from
/// c10::Scalar::toDouble inside <c>add_</c>. Constants live here; per-step values are created with <c>using</c>, which keeps
/// them referenced until the call has returned.
/// </summary>
internal static class Scalars
{
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar One = 1.ToScalar();
}
