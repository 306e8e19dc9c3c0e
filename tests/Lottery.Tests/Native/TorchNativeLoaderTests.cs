using Lottery.Native;
using TorchSharp;

namespace Lottery.Tests.Native;

public class TorchNativeLoaderTests
{
    static string ShippedLibrary()
    {
        var path = TorchNativeLoader.FindOriginal();
        Assert.NotNull(path);
        return path!;
    }

    [Fact]
    public void ShippedLibraryNeedsGlibcxx332ForExactlyTheOneEntryWePatch()
    {
        var needs = ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(ShippedLibrary()));
        var target = needs.Where(n => n.Version == TorchNativeLoader.NeededVersion).ToList();
        Assert.Single(target);
        Assert.Equal("libstdc++.so.6", target[0].File);
        Assert.False(target[0].IsWeak);
        Assert.Contains(needs, n => n.Version == "GLIBCXX_3.4.30");
    }

    [Fact]
    public void PatchMarksOnlyThatEntryWeakAndChangesNothingElse()
    {
        var original = File.ReadAllBytes(ShippedLibrary());
        var patched = (byte[])original.Clone();
        Assert.Equal(1, ElfVersionPatcher.MarkWeak(patched, "libstdc++.so.6", "GLIBCXX_3.4.32"));
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Single(differing);                                   // one byte of one vna_flags field
        var after = ElfVersionPatcher.ReadVersionNeeds(patched);
        var before = ElfVersionPatcher.ReadVersionNeeds(original);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            bool isTarget = before[i].Version == "GLIBCXX_3.4.32";
            Assert.Equal(isTarget ? (ushort)(before[i].Flags | ElfVersionNeed.WeakFlag) : before[i].Flags, after[i].Flags);
        }
        Assert.Equal(0, ElfVersionPatcher.MarkWeak(patched, "libstdc++.so.6", "GLIBCXX_3.4.32"));   // idempotent
    }

    [Fact]
    public void PatchRefusesWhatIsNotThere()
    {
        var bytes = File.ReadAllBytes(ShippedLibrary());
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkWeak(bytes, "libstdc++.so.6", "GLIBCXX_9.9.99"));
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadVersionNeeds(new byte[100]));
    }

    [Fact]
    public void PatchIsAppliedExactlyWhenTheHostLacksTheVersion()
    {
        TorchNativeLoader.EnsureLoaded();
        bool hostHas = HostLibrary.HasVersionedSymbol("libstdc++.so.6", TorchNativeLoader.NeededSymbol, TorchNativeLoader.NeededVersion);
        // The host answer agrees with the library file itself.
        var hostLib = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }.First(File.Exists);
        bool fileHas = System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(hostLib)).Contains("GLIBCXX_3.4.32\0");
        Assert.Equal(fileHas, hostHas);
        if (hostHas) Assert.Null(TorchNativeLoader.PatchedLibraryPath);
        else
        {
            Assert.NotNull(TorchNativeLoader.PatchedLibraryPath);
            var needs = ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(TorchNativeLoader.PatchedLibraryPath!));
            Assert.True(needs.Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
        }
        // Whatever the host, libtorch works in this process: a forward and backward pass.
        using var x = torch.ones(4, 3, requires_grad: true);
        using var y = (x * x).sum();
        y.backward();
        Assert.Equal(24f, x.grad!.sum().item<float>());
    }
}
