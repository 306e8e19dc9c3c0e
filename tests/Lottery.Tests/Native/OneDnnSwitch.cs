using System.Reflection;
using Lottery.Native;
using Xunit.Sdk;

[assembly: Lottery.Tests.Native.OneDnnSwitchGuard]

namespace Lottery.Tests.Native;

/// <summary>
/// The tests whose networks turn libtorch's oneDNN convolutions off (<see cref="ConvolutionBackends.GuardAgainstPaddedChannels"/>:
/// <see cref="Api.UsersNetworks.RowConvResidual"/>'s 28 input channels, the guard's own tests). The switch is process-wide, so a
/// convolution running in another test at that moment changes kernels half way and its last bits with them: CI caught a ResNet's
/// resume test whose reference run had computed its first iterations with oneDNN and the rest without (run twice with the switch
/// thrown 5 s into a run, the same 80 iterations gave 3 different metrics files). This collection runs alone, after every
/// parallel one (xunit's order for collections that disable parallelization), so no other test sees the switch move.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OneDnnSwitchCollection
{
    public const string Name = "turns oneDNN off for the process";
}

/// <summary>
/// Fails any test outside <see cref="OneDnnSwitchCollection"/> that ends with oneDNN's convolutions off. Since that collection
/// runs last, this happens exactly when a test elsewhere turned them off (it, and whatever ran beside it, fail on every run,
/// not one run in many): the fix is to put that test's class in the collection.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class OneDnnSwitchGuardAttribute : BeforeAfterTestAttribute
{
    /// <summary>Whether the class carries [Collection(OneDnnSwitchCollection.Name)].</summary>
    public static bool InCollection(Type? type) =>
        type is not null && type.GetCustomAttributesData().Any(a => a.AttributeType == typeof(CollectionAttribute)
            && a.ConstructorArguments.Count == 1 && a.ConstructorArguments[0].Value as string == OneDnnSwitchCollection.Name);

    public override void After(MethodInfo methodUnderTest)
    {
        if (ConvolutionBackends.OneDnnOff is { } why && !InCollection(methodUnderTest.ReflectedType))
            throw new InvalidOperationException(
                $"oneDNN's convolutions were off when {methodUnderTest.ReflectedType?.Name}.{methodUnderTest.Name} ended ({why}): a test outside " +
                $"[Collection(OneDnnSwitchCollection.Name)] turned them off, which changes the last bits of convolutions running beside it; " +
                "put the class whose network has such a convolution in that collection");
    }
}
