using Lottery.Hparams;
using Lottery.Runs;

namespace Lottery.Tests.Lottery;

/// <summary>Run directory names are pinned: a refactor that changes them would orphan every existing run.</summary>
public class RunIdentityTests
{
    [Fact]
    public void KnownHashesArePinned()
    {
        var lenet = PresetRegistry.Get("lenet_mnist").Hparams;
        string[] actual =
        [
            new RunIdentity(RunKind.Train, lenet, 0, null).DirectoryName,
            new RunIdentity(RunKind.Lottery, lenet, 0, null).DirectoryName,
            new RunIdentity(RunKind.Lottery, lenet, 0, "500it").DirectoryName,
            new RunIdentity(RunKind.OneShot, lenet, 1, null).DirectoryName,
            new RunIdentity(RunKind.Lottery, PresetRegistry.Get("conv6_dropout_cifar10").Hparams, 0, null).DirectoryName,
        ];
        string[] pinned = ["train_da45c02a4c3e02ed", "lottery_78f59e5b43258794", "lottery_f7a1dbeb5aa77c9b", "oneshot_fd9d1a2570aec70f", "lottery_2b574b51150e1a4e"];
        Assert.True(pinned.SequenceEqual(actual), "run directory names changed: " + string.Join(", ", actual));
    }

    [Fact]
    public void CanonicalFormIgnoresSpellingAndDefaults()
    {
        var h = PresetRegistry.Get("lenet_mnist").Hparams;
        var a = new RunIdentity(RunKind.Lottery, h, 0, null);
        // The same step written differently, an explicit default and an explicit zero rewind are the same run.
        var b = new RunIdentity(RunKind.Lottery, h with { Training = h.Training with { Iterations = "50000it", EvalEvery = 100 } }, 0, "0it");
        Assert.Equal(a.Hash, b.Hash);
        Assert.Equal(a.Hash, new RunIdentity(RunKind.Lottery, h with { Training = h.Training with { Lr = 0.0012 } }, 0, null).Hash);
    }

    [Fact]
    public void WhatChangesTheResultChangesTheHash()
    {
        var h = PresetRegistry.Get("lenet_mnist").Hparams;
        var baseline = new RunIdentity(RunKind.Lottery, h, 0, null).Hash;
        var variants = new[]
        {
            new RunIdentity(RunKind.Lottery, h, 1, null),
            new RunIdentity(RunKind.Lottery, h, 0, "1000it"),
            new RunIdentity(RunKind.OneShot, h, 0, null),
            new RunIdentity(RunKind.Lottery, h with { Training = h.Training with { Lr = 1e-3 } }, 0, null),
            new RunIdentity(RunKind.Lottery, h with { Pruning = h.Pruning with { FcRate = 0.3 } }, 0, null),
            new RunIdentity(RunKind.Lottery, h with { Model = h.Model with { Dropout = 0.5 } }, 0, null),
            new RunIdentity(RunKind.Lottery, h with { Dataset = h.Dataset with { TrainSubset = 100 } }, 0, null),
        };
        Assert.Equal(variants.Length, variants.Select(v => v.Hash).Distinct().Count(hash => hash != baseline));
        // Pruning does not change a dense training run.
        Assert.Equal(new RunIdentity(RunKind.Train, h, 0, null).Hash,
            new RunIdentity(RunKind.Train, h with { Pruning = h.Pruning with { FcRate = 0.3 } }, 0, null).Hash);
    }
}
