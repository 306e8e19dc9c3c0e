using System.Security.Cryptography;
using System.Text;

namespace Lottery.Training;

/// <summary>
/// Every random stream of a run derives from the run's seed and a purpose ("init", "data", "reinit/level3/draw2"):
/// independent streams, reproducible by construction, and none of them depends on the order code runs in.
/// </summary>
public static class Seeds
{
    public static long Derive(long seed, params object[] purpose)
    {
        var text = seed + "/" + string.Join("/", purpose);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return BitConverter.ToInt64(hash, 0) & long.MaxValue;
    }
}
