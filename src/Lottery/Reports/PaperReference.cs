namespace Lottery.Reports;

/// <summary>What the paper reports for a network, to print beside a report's own numbers (never used to compute
/// anything). From Frankle &amp; Carbin (ICLR 2019) as summarised in the project's reference notes.</summary>
public static class PaperReference
{
    /// <summary>The paper's numbers for <paramref name="model"/> on <paramref name="dataset"/>; with dropout, its Figure 6's
    /// for the conv networks (the numbers without dropout describe another network), and none for the others (the paper
    /// trains no other network with dropout).</summary>
    public static IReadOnlyList<string> For(string model, string dataset, double dropout = 0) => dropout > 0 ? WithDropout(model, dataset) : Without(model, dataset);

    static IReadOnlyList<string> WithDropout(string model, string dataset) => (model, dataset) switch
    {
        ("conv2", "cifar10") => [Figure6(2.1, 67.6, 2.3)],
        ("conv4", "cifar10") => [Figure6(3.0, 74.9, 4.6)],
        ("conv6", "cifar10") => [Figure6(2.4, 79.1, 4.7)],
        _ => [],
    };

    static IReadOnlyList<string> Without(string model, string dataset) => (model, dataset) switch
    {
        ("lenet_300_100", "mnist") =>
        [
            "Unpruned test accuracy about 98%.",
            "Winning tickets reach their early-stopping iteration up to 38% sooner as the percent remaining falls to about 21%.",
            "At 13.5% remaining, test accuracy about 0.3 points above the unpruned network; both return to the unpruned level near 3.6%.",
            "Randomly reinitialized tickets fall below the unpruned accuracy already at 21.1% and learn steadily slower: at 21% the ticket " +
                "reaches minimum validation loss 2.51× sooner than its reinitialized copy and is 0.5 points more accurate.",
            "One-shot pruning: earlier early stop for 67.5% ≥ Pm ≥ 17.6%, higher accuracy for 95% ≥ Pm ≥ 5.17%.",
        ],
        ("conv2", "cifar10") =>
        [
            "Unpruned validation accuracy about 67.6%.",
            "Early stopping up to 3.5× sooner (at 8.8% remaining); test accuracy up to +3.4 points (at 4.6%); above the unpruned network while more than 2% remains.",
            "Independent reproduction (3 seeds): dense 69.75% at early stop, best ticket 69.98% at 26.5% (+0.23 points).",
        ],
        ("conv4", "cifar10") =>
        [
            "Unpruned validation accuracy about 74.9%.",
            "Early stopping up to 3.5× sooner (at 9.2% remaining); test accuracy up to +3.5 points (at 11.1%).",
        ],
        ("conv6", "cifar10") =>
        [
            "Unpruned validation accuracy about 79.1%.",
            "Early stopping up to 2.5× sooner (at 15.1% remaining); test accuracy up to +3.3 points (at 26.4%).",
        ],
        ("vgg19", "cifar10") =>
        [
            "With learning-rate warmup (global pruning), winning tickets down to 1.5% remaining; at lr 0.1 without warmup none.",
        ],
        ("resnet20", "cifar10") =>
        [
            "\"ResNet-18\" (the 20-layer CIFAR ResNet), lr 0.03 with warmup: 90.5% at 27.1% remaining, winning tickets while at least 11.8% remains; unpruned 90.5% at lr 0.1.",
        ],
        _ => [],
    };

    static string Figure6(double gain, double without, double pruning) =>
        FormattableString.Invariant($"With dropout (Figure 6): unpruned accuracy about {gain:0.0} points above the network without dropout (whose validation accuracy is about {without:0.0}%); iterative pruning adds up to {pruning:0.0} points more; tickets still reach early stop sooner.");
}
