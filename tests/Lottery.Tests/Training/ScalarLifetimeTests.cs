using Lottery.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace Lottery.Tests.Training;

/// <summary>
/// TorchSharp 0.107 turns numbers into <see cref="Scalar"/>s implicitly (and <c>add(Tensor)</c>, <c>a + b</c> and many
/// others make an alpha = 1 Scalar inside), then passes only the native handle: nothing references the Scalar while
/// libtorch reads it, so a garbage collection on another thread can finalize it mid-call ("Expected false to be true"
/// from c10::Scalar::toFloat; CI failed on it twice, in the trainer and in the sparse layer's bias). These tests read
/// the IL of TorchSharp and of this program and find every call of ours that makes such a Scalar.
/// </summary>
public sealed class ScalarLifetimeTests(ITestOutputHelper output)
{
    const string ScalarType = "TorchSharp.Scalar";
    const string Extensions = "TorchSharp.ScalarExtensionMethods";

    static bool MakesScalar(string callee) => callee.StartsWith(ScalarType + "::op_Implicit(") || callee.StartsWith(Extensions + "::ToScalar(");

    /// <summary>A Scalar made and at once stored (a <c>using</c> local, or a static field that lives for the process), in a
    /// method that disposes something: held until its calls return. Anything else (passed straight to a call) is the
    /// hazard. A heuristic over IL, not a proof: a stored Scalar that is never disposed would pass, and is not written here.</summary>
    static bool Held(IlCalls.Call call, IReadOnlyList<IlCalls.Call> body, bool staticInit) =>
        staticInit ? call.Next == "stsfld" : call.Next.StartsWith("stloc") && body.Any(c => c.Callee is "System.IDisposable::Dispose()" or ScalarType + "::Dispose()");

    /// <summary>TorchSharp's methods that make a Scalar they do not hold, and (transitively) those that call them.</summary>
    static HashSet<string> UnheldScalarMakers(IlCalls torchSharp)
    {
        var unheld = torchSharp.Calls.Where(m => !m.Key.StartsWith(ScalarType + "::") && !m.Key.StartsWith(Extensions + "::")
            && m.Value.Any(c => MakesScalar(c.Callee) && !Held(c, m.Value, false))).Select(m => m.Key).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var (caller, calls) in torchSharp.Calls)
                if (!unheld.Contains(caller) && calls.Any(c => unheld.Contains(c.Callee))) grew |= unheld.Add(caller);
        }
        return unheld;
    }

    /// <summary>For a call of a module factory, <c>TorchSharp.torch/nn::Name(…)</c>, the forward its module runs (declared
    /// by the module's type or inherited), spelled as <see cref="IlCalls"/> spells it.</summary>
    static string? ModuleForward(string callee)
    {
        const string factory = "TorchSharp.torch/nn::";
        if (!callee.StartsWith(factory, StringComparison.Ordinal)) return null;
        var name = callee[factory.Length..callee.IndexOf('(')];
        var forward = typeof(torch).Assembly.GetType("TorchSharp.Modules." + name)?.GetMethod("forward", [typeof(torch.Tensor)]);
        return forward is null ? null : $"{forward.DeclaringType!.FullName}::forward(TorchSharp.torch/Tensor)";
    }

    [Fact]
    public void TheReaderFindsTorchSharpsImplicitAlphaInTensorAddition()
    {
        // Pins the reading itself: if this fails, the test below would pass vacuously.
        var unheld = UnheldScalarMakers(IlCalls.Read(typeof(torch).Assembly.Location));
        Assert.Contains("TorchSharp.torch/Tensor::add(TorchSharp.torch/Tensor)", unheld);
        Assert.Contains("TorchSharp.torch/Tensor::op_Addition(TorchSharp.torch/Tensor,TorchSharp.torch/Tensor)", unheld);
        Assert.DoesNotContain("TorchSharp.torch/Tensor::add(TorchSharp.torch/Tensor,TorchSharp.Scalar)", unheld);
        Assert.DoesNotContain("TorchSharp.torch/Tensor::sub(TorchSharp.torch/Tensor)", unheld);
        // BatchNorm's training forward counts batches with num_batches_tracked.add_(1): what HeldScalarBatchNorm2d replaces.
        Assert.Equal("TorchSharp.Modules.BatchNorm::forward(TorchSharp.torch/Tensor)", ModuleForward("TorchSharp.torch/nn::BatchNorm2d(Int64)"));
        Assert.Contains("TorchSharp.Modules.BatchNorm::forward(TorchSharp.torch/Tensor)", unheld);
        Assert.DoesNotContain("TorchSharp.Modules.Conv2d::forward(TorchSharp.torch/Tensor)", unheld);
    }

    [Fact]
    public void NoCallOfOursMakesAScalarThatNothingHoldsWhileLibtorchReadsIt()
    {
        var unheld = UnheldScalarMakers(IlCalls.Read(typeof(torch).Assembly.Location));
        var found = new List<string>();
        foreach (var assembly in new[] { typeof(Trainer).Assembly, typeof(global::Lottery.Cli.Program).Assembly })
            foreach (var (caller, calls) in IlCalls.Read(assembly.Location).Calls)
                foreach (var call in calls)
                {
                    if (unheld.Contains(call.Callee) || (MakesScalar(call.Callee) && !Held(call, calls, caller.Contains("::.cctor("))))
                        found.Add($"{caller} calls {call.Callee}, then {call.Next}");
                    // A module built by TorchSharp's factory (nn.BatchNorm2d(…)) whose forward makes one: the module's forward
                    // is reached by virtual dispatch, which the call graph above does not follow.
                    if (ModuleForward(call.Callee) is { } forward && unheld.Contains(forward))
                        found.Add($"{caller} builds a module whose {forward} makes a Scalar nothing holds");
                }
        foreach (var f in found) output.WriteLine(f);
        Assert.Empty(found);
    }
}
