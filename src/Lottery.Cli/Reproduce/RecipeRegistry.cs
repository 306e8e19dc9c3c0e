using Lottery.Hparams;
using Lottery.Reports;

namespace Lottery.Cli.Reproduce;

/// <summary>
/// Every figure family of the paper (Frankle &amp; Carbin, ICLR 2019) as a recipe: the existing commands composed, at the
/// paper's scale, at a stated CPU scale, and as a smoke test. A recipe's steps are exactly what a user would type, so its
/// runs are the runs those commands make (the same directories: a run made by hand is reused, a rerun computes nothing).
/// </summary>
public static class RecipeRegistry
{
    static readonly string[] Smoke = ["--eval-every", "100", "--train-subset", "2000"];
    static string[] Cpu(string iterations, int evalEvery, int testEvery) => ["--iterations", iterations, "--eval-every", $"{evalEvery}", "--test-every", $"{testEvery}"];

    static T By<T>(Scale s, T paper, T cpu, T smoke) => s == Scale.Paper ? paper : s == Scale.Cpu ? cpu : smoke;

    // ---------------------------------------------------------------- LeNet-300-100 (Figures 1, 3, 4)

    static RecipePlan LeNet(Scale s)
    {
        string[] h = By<string[]>(s, ["--preset", "lenet_mnist"], ["--preset", "lenet_mnist"], ["--preset", "lenet_mnist", "--iterations", "300it", .. Smoke]);
        int levels = By(s, 18, 15, 2);
        int[] controls = By<int[]>(s, [3, 6, 9, 12, 15, 18], [3, 7, 12, 15], [2]);
        double[] targets = By<double[]>(s, [51.3, 21.1, 7, 3.6, 1.9], [51.3, 21.1, 7, 3.6], [51.3]);
        int draws = By(s, 3, 1, 1);
        var note = By(s,
            "The paper's setup: lenet_mnist (Adam 1.2e-3, batch 60, 50,000 iterations, measured every 100), 5 replicates, iterative pruning to 1.9%, " +
            "three random reinitializations and a random pruning of every third level, one-shot pruning to the paper's levels with three reinitializations each.",
            "The paper's LeNet at full length (it is cheap on a CPU: about 2 minutes a stage on one core): lenet_mnist, iterative pruning to 3.6% (level 15), " +
            "2 replicates instead of 5, one random reinitialization (not three) and one random pruning at 51.3, 21.1, 7.0 and 3.6%, one-shot pruning to the same " +
            "four levels with a reinitialization of each. What is lost: the error bars span 2 seeds, and the paper's smallest level (1.9%) is not run.",
            "Smoke test: 300 iterations on 2,000 training examples, two pruned levels, one replicate. It checks the pipeline; its numbers mean nothing.");
        return new RecipePlan(s, note, By(s, 5, 2, 1),
        [
            RecipeStep.Find("iterative", levels, h),
            RecipeStep.OnLevels("iterative.reinit", "reinit", "iterative", controls, draws),
            RecipeStep.OnLevels("iterative.random_pruning", "random_pruning", "iterative", controls),
            RecipeStep.OneShot("oneshot", targets, false, h),
            RecipeStep.OnTargets("oneshot.reinit", "reinit", "oneshot", targets, draws),
        ],
        [
            new("Figure 1 (LeNet)", "Early-stopping iteration and test accuracy at early stop: winning tickets against random sparse networks " +
                "(random pruning: the ticket's layer-wise sparsity, a random mask, the original initialization) and random reinitialization.",
                ["early_stop_iteration", "early_stop_test_accuracy"]),
            new("Figure 3", "Test accuracy during training for iterative pruning at 100, 51.3, 21.1, 7.0, 3.6 and 1.9% remaining (the nearest levels run); " +
                "reinitialized copies dashed.", ["test_accuracy_curves_1"]),
            new("Figure 4", "Early-stopping iteration, test accuracy at early stop and at the end of training: iterative against one-shot pruning, " +
                "each with its random reinitialization.", ["early_stop_iteration", "early_stop_test_accuracy", "end_accuracy"]),
        ],
        [
            new("Dense test accuracy at early stop", "about 98%", ClaimMeasure.DenseAccuracy, "iterative"),
            new("Largest early-stop speed-up (iterative)", "up to 38% sooner (1.6×) as the percent remaining falls to about 21%", ClaimMeasure.LargestSpeedUp, "iterative"),
            new("Largest accuracy gain at early stop (iterative)", "about +0.3 points at 13.5%", ClaimMeasure.LargestGain, "iterative"),
            new("Smallest level matching the dense network (iterative)", "tickets and the dense network meet again near 3.6%", ClaimMeasure.MatchesDownTo, "iterative"),
            new("Ticket against its reinitialization at 21.1%", "2.51× sooner to minimum validation loss, 0.5 points more accurate", ClaimMeasure.ReinitGap, "iterative", 21.1),
            new("Ticket against its reinitialization at 3.6%", "reinitialized copies learn steadily slower and less accurately as pruning proceeds", ClaimMeasure.ReinitGap, "iterative", 3.6),
            new("Largest early-stop speed-up (one-shot)", "earlier early stop for 67.5% ≥ Pm ≥ 17.6%", ClaimMeasure.LargestSpeedUp, "oneshot"),
            new("Largest accuracy gain at early stop (one-shot)", "higher accuracy for 95% ≥ Pm ≥ 5.17%", ClaimMeasure.LargestGain, "oneshot"),
            new("Smallest level matching the dense network (one-shot)", "iterative pruning finds smaller winning tickets than one-shot", ClaimMeasure.MatchesDownTo, "oneshot"),
        ]);
    }

    // ---------------------------------------------------------------- Conv-2/4/6 (Figures 1, 5) and with dropout (Figure 6)

    /// <summary>A conv network's setup at one scale: its trunk flags, levels, control levels, replicates.</summary>
    sealed record ConvSetup(string[] Flags, int Levels, int[] Controls, int Replicates, int Draws, string Note);

    /// <summary>Conv-2/4/6 at each scale. CPU: 3,000 iterations (the dense Conv-2's early stop on this machine falls at
    /// 2,500–3,000 with Adam at its rate; the dense Conv-6's fell past 3,000, which the note says), rounds of three paper
    /// rounds so the levels land on the paper's k = 3, 6, 9, 12.</summary>
    static ConvSetup Conv(string model, Scale s)
    {
        var preset = $"{model}_cifar10";
        double convRate = model == "conv6" ? 0.386 : 0.271;
        string rate(double r) => r.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        string[] coarse = ["--conv-rate", rate(convRate), "--fc-rate", "0.488", "--output-rate", "0.271"];
        int paperLevels = model == "conv6" ? 15 : 18;
        int[] paperControls = model == "conv6" ? [3, 6, 9, 12, 15] : [3, 6, 9, 12, 15, 18];
        var levelsWord = model == "conv6" ? "k = 3, 6, 9" : "k = 3, 6, 9, 12";
        return By(s,
            new ConvSetup(["--preset", preset], paperLevels, paperControls, 5, 3,
                $"The paper's setup: {preset} at its full length, measured every 100 iterations, 5 replicates, iterative pruning at the paper's rates, " +
                "three random reinitializations and a random pruning of every third level."),
            new ConvSetup(["--preset", preset, .. Cpu("3000it", 500, 1500), .. coarse],
                model == "conv6" ? 3 : 4, model == "conv6" ? [3] : [2, 4], 2, 1,
                $"Shortened for a CPU as docs/README.md argues: 3,000 iterations per stage instead of the paper's ({(model == "conv2"
                    ? "the dense Conv-2 reaches its minimum validation loss at 2,500–3,000 on this machine, so the early stop the figures are about is inside the run"
                    : "sized on the dense Conv-2, which reaches its minimum validation loss at 2,500–3,000; the gallery's dense Conv-6 had not reached its minimum " +
                      "by 3,000, so for the deeper nets the run's end may cut the dense network's early stop, and the tickets' speed-ups are then lower bounds")}); " +
                $"validation every 500 and test every " +
                $"1,500 iterations (and at every new validation minimum, so the test accuracy at early stop is exact); each round prunes what three of the " +
                $"paper's rounds prune (conv {rate(convRate)}, fc 0.488, output 0.271), so the levels land on the paper's {levelsWord}. 2 replicates, one " +
                $"random reinitialization (not three) and one random pruning at {(model == "conv6" ? "level 3" : "levels 2 and 4")}."),
            new ConvSetup(["--preset", preset, "--iterations", "200it", .. Smoke, .. coarse], 1, [1], 1, 1,
                "Smoke test: 200 iterations on 2,000 training examples, one pruned level, one replicate. It checks the pipeline; its numbers mean nothing."));
    }

    static RecipePlan ConvPlan(string model, Scale s)
    {
        var c = Conv(model, s);
        var (acc, speed, gain) = model switch
        {
            "conv2" => ("about 67.6% (validation)", "up to 3.5× sooner, at 8.8%", "up to +3.4 points, at 4.6%"),
            "conv4" => ("about 74.9% (validation)", "up to 3.5× sooner, at 9.2%", "up to +3.5 points, at 11.1%"),
            _ => ("about 79.1% (validation)", "up to 2.5× sooner, at 15.1%", "up to +3.3 points, at 26.4%"),
        };
        var steps = new List<RecipeStep>
        {
            RecipeStep.Find("iterative", c.Levels, c.Flags),
            RecipeStep.OnLevels("iterative.reinit", "reinit", "iterative", c.Controls, c.Draws),
        };
        steps.Add(RecipeStep.OnLevels("iterative.random_pruning", "random_pruning", "iterative", c.Controls));
        return new RecipePlan(s, c.Note, c.Replicates, steps,
        [
            new($"Figure 5 ({Title(model)})", "Early-stopping iteration, test accuracy at early stop and accuracy at the end of training (test and train) " +
                "against percent remaining: winning tickets and their random reinitializations.", ["early_stop_iteration", "early_stop_test_accuracy", "end_accuracy"]),
            new($"Figure 1 ({Title(model)})", "Winning tickets against random sparse networks: early-stop iteration and test accuracy at early stop.",
                ["early_stop_iteration", "early_stop_test_accuracy"]),
            // One experiment: the report names its figures without a suffix.
            new("Training curves", "Test accuracy during training at the levels run (the paper's appendix shows the same for each network).", ["test_accuracy_curves"]),
        ],
        [
            new("Dense accuracy at early stop", acc, ClaimMeasure.DenseAccuracy, "iterative"),
            new("Largest early-stop speed-up", speed, ClaimMeasure.LargestSpeedUp, "iterative"),
            new("Largest accuracy gain at early stop", gain, ClaimMeasure.LargestGain, "iterative"),
            new("Smallest level matching the dense network", "above the unpruned network while more than 2% remains", ClaimMeasure.MatchesDownTo, "iterative"),
            new("Ticket against its reinitialization (smallest control level)", "reinitialized copies learn more slowly and fall below the tickets as pruning proceeds",
                ClaimMeasure.ReinitGap, "iterative", c.Controls.Length == 0 ? null : PaperPercent(model, s, c.Controls[^1])),
        ]);
    }

    /// <summary>The percent remaining a conv level lands on (for the reinitialization comparison), as the paper tabulates it.</summary>
    static double PaperPercent(string model, Scale s, int level)
    {
        int k = s == Scale.Cpu ? level * 3 : level;
        return model switch
        {
            "conv2" => k switch { 3 => 51.4, 6 => 26.5, 9 => 13.7, 12 => 7.1, 15 => 3.7, 18 => 1.9, _ => 100 * Math.Pow(0.8, k) },
            _ => 100 * Math.Pow(0.8, k),
        };
    }

    static string Title(string model) => model.Replace("conv", "Conv-");

    static RecipePlan DropoutPlan(string model, Scale s)
    {
        var plain = Conv(model, s);
        var preset = $"{model}_dropout_cifar10";
        double convRate = model == "conv6" ? 0.386 : 0.271;
        string[] coarse = ["--conv-rate", convRate.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), "--fc-rate", "0.488", "--output-rate", "0.271"];
        var (flags, levels, reps, note) = By<(string[], int, int, string)>(s,
            (["--preset", preset], plain.Levels, 5,
                $"The paper's setup: {preset} (dropout 0.5 on the fc layers, the paper's longer schedule and rate) against {model}_cifar10, both to the same levels, 5 replicates."),
            (["--preset", preset, .. Cpu("6000it", 500, 1500), .. coarse], model == "conv2" ? 4 : 2, model == "conv6" ? 1 : 2,
                $"Shortened for a CPU: the network with dropout trains 6,000 iterations per stage, twice the CPU scale of the network without it (the paper " +
                $"trains its dropout networks three times as long as those without, which does not fit 3 hours), measured as the {model} recipe's, in the same " +
                $"coarse rounds; {(model == "conv2" ? "levels 0–4, 2 replicates" : model == "conv4" ? "levels 0–2, 2 replicates" : "levels 0–2, 1 replicate")}, " +
                $"against the `{model}` recipe's run without dropout (the same run: made once, reused by both)."),
            (["--preset", preset, "--iterations", "200it", .. Smoke, .. coarse], 1, 1,
                "Smoke test: 200 iterations on 2,000 training examples, one pruned level, one replicate. It checks the pipeline; its numbers mean nothing."));
        var (dense, gain) = model switch
        {
            "conv2" => ("+2.1 points", "up to +2.3 points more"),
            "conv4" => ("+3.0 points", "up to +4.6 points more"),
            _ => ("+2.4 points", "up to +4.7 points more"),
        };
        return new RecipePlan(s, note, reps,
        [
            RecipeStep.Find("dropout", levels, flags),
            RecipeStep.Find("no_dropout", plain.Levels, plain.Flags),
        ],
        [
            new($"Figure 6 ({Title(model)})", "Early-stopping iteration and test accuracy at early stop, iterative pruning with dropout against without.",
                ["early_stop_iteration", "early_stop_test_accuracy"]),
            new("Training curves", "Test accuracy during training with dropout (first) and without (second).", ["test_accuracy_curves_1", "test_accuracy_curves_2"]),
        ],
        [
            new("Dropout's gain for the dense network", dense, ClaimMeasure.DenseAccuracyDifference, "dropout", OtherStep: "no_dropout"),
            new("Largest gain of pruning with dropout", gain, ClaimMeasure.LargestGain, "dropout"),
            new("Largest early-stop speed-up with dropout", "tickets still stop earlier with dropout (the figure; no number given)", ClaimMeasure.LargestSpeedUp, "dropout"),
            new("Largest accuracy gain without dropout", "(Figure 5)", ClaimMeasure.LargestGain, "no_dropout"),
        ]);
    }

    // ---------------------------------------------------------------- VGG-19 (Figure 7), ResNet-20 (Figure 8), rewinding

    static readonly string[] Variants = ["warmup", "lr0.1", "lr0.01"];

    /// <summary>The deep networks' trunk flags for a learning-rate variant at one scale. CPU: VGG-19 at width 16 for 3,000
    /// iterations, ResNet-20 at its width for 2,000, schedules (warmup, milestones) scaled by the same factor, rounds of
    /// several paper rounds (VGG four: 0.59; ResNet two: 0.36) so the levels land on the paper's tabulated points.</summary>
    static string[] Deep(string net, string variant, Scale s)
    {
        var preset = $"{net}_{variant}_cifar10";
        if (s == Scale.Paper) return ["--preset", preset];
        if (s == Scale.Smoke)
            return net == "vgg19"
                ? ["--preset", preset, "--model", "vgg19_16", "--iterations", "100it", "--eval-every", "50", "--train-subset", "1000", "--milestones", "50it,75it", .. variant == "warmup" ? new[] { "--warmup", "10it" } : []]
                : ["--preset", preset, "--iterations", "100it", "--eval-every", "50", "--train-subset", "1000", "--milestones", "50it,75it", .. variant == "warmup" ? new[] { "--warmup", "50it" } : []];
        return net == "vgg19"
            ? ["--preset", preset, "--model", "vgg19_16", .. Cpu("3000it", 500, 1500), "--milestones", "1500it,2250it", "--global-rate", "0.59",
               .. variant == "warmup" ? new[] { "--warmup", "267it" } : []]
            : ["--preset", preset, .. Cpu("2000it", 500, 1000), "--milestones", "1333it,1667it", "--global-rate", "0.36",
               .. variant == "warmup" ? new[] { "--warmup", "1333it" } : []];
    }

    static RecipePlan DeepPlan(string net, Scale s)
    {
        bool vgg = net == "vgg19";
        int levels = By(s, vgg ? 20 : 14, vgg ? 4 : 3, 1);
        int[] controls = By<int[]>(s, vgg ? [4, 8, 12, 16, 20] : [2, 6, 10, 14], vgg ? [2, 4] : [3], [1]);
        var steps = new List<RecipeStep>();
        foreach (var v in Variants)
        {
            steps.Add(RecipeStep.Find(v, levels, Deep(net, v, s)));
            steps.Add(RecipeStep.OnLevels($"{v}.reinit", "reinit", v, controls));
        }
        var note = By(s,
            vgg ? "The paper's setup: VGG-19 (batch norm, augmentation) for 112,480 iterations at batch 64, SGD at lr 0.1 with and without 10K-iteration warmup " +
                  "and at lr 0.01, global pruning of 20% a round with the fc layer dense, 5 replicates, a random reinitialization every fourth level."
                : "The paper's setup: the CIFAR ResNet-20 (the paper's \"ResNet-18\") for 30,000 iterations at batch 128, SGD at lr 0.03 with 20K warmup, at 0.1 and at 0.01, " +
                  "global pruning of 20% a round with the shortcuts and fc dense, 5 replicates, a random reinitialization every fourth level.",
            vgg ? "Shortened for a CPU: VGG-19 at width 16 (vgg19_16: a quarter of the channels, 1/16 of the arithmetic), 3,000 iterations per stage (4 epochs), " +
                  "the schedule scaled with it (warmup 267, ×0.1 at 1,500 and 2,250), validation every 500 and test every 1,500; each round prunes what four of the " +
                  "paper's prune (global 0.59), so levels 1–4 land on 41.0, 16.8, 6.9 and 2.8%; 2 replicates, a random reinitialization at levels 2 and 4. What is lost: " +
                  "a network this short is far from its plateau (the paper's accuracies are 93%), so the figure shows the learning-rate effect early in training."
                : "Shortened for a CPU: ResNet-20 at its own width for 2,000 iterations per stage (5.7 epochs), the schedule scaled with it (warmup 1,333, ×0.1 at " +
                  "1,333 and 1,667), validation every 500 and test every 1,000; each round prunes what two of the paper's prune (global 0.36), so levels 1–3 land " +
                  "on 64.4, 41.7 and 27.1%; 1 replicate (a stage is about 12 minutes on one core), a random reinitialization at level 3.",
            "Smoke test: 100 iterations on 1,000 training examples, one pruned level, one replicate. It checks the pipeline; its numbers mean nothing.");
        int reps = By(s, 5, vgg ? 2 : 1, 1);
        var claims = vgg
            ? new List<ClaimSpec>
            {
                new("Smallest level matching the dense network, lr 0.1 with warmup", "winning tickets down to 1.5% remaining (global pruning)", ClaimMeasure.MatchesDownTo, "warmup"),
                new("Smallest level matching the dense network, lr 0.1 without warmup", "no winning tickets", ClaimMeasure.MatchesDownTo, "lr0.1"),
                new("Smallest level matching the dense network, lr 0.01", "winning tickets, but the dense network is less accurate than at lr 0.1", ClaimMeasure.MatchesDownTo, "lr0.01"),
                new("Ticket against its reinitialization, lr 0.1 with warmup", "reinitialized copies fall behind the tickets", ClaimMeasure.ReinitGap, "warmup"),
            }
            : new List<ClaimSpec>
            {
                new("Smallest level matching the dense network, lr 0.03 with warmup", "winning tickets while at least 11.8% remains; 90.5% at 27.1%", ClaimMeasure.MatchesDownTo, "warmup"),
                new("Dense accuracy at early stop, lr 0.1", "90.5% (unpruned)", ClaimMeasure.DenseAccuracy, "lr0.1"),
                new("Smallest level matching the dense network, lr 0.1 without warmup", "no winning tickets", ClaimMeasure.MatchesDownTo, "lr0.1"),
                new("Smallest level matching the dense network, lr 0.01", "winning tickets at the lower rate, below the lr 0.1 network's accuracy", ClaimMeasure.MatchesDownTo, "lr0.01"),
                new("Ticket against its reinitialization, warmup", "reinitialized copies fall behind the tickets", ClaimMeasure.ReinitGap, "warmup"),
            };
        return new RecipePlan(s, note, reps, steps,
        [
            new(vgg ? "Figure 7" : "Figure 8", "Test accuracy at early stop and at the end of training against percent remaining, for each learning-rate setting, " +
                "with and without warmup; random reinitializations dashed.", ["early_stop_test_accuracy", "end_accuracy"]),
            new("Early stop", "The early-stopping iteration of each setting.", ["early_stop_iteration"]),
        ], claims);
    }

    static RecipePlan RewindingPlan(Scale s)
    {
        var (resnetK, vggK) = By(s, ("2000it", "2000it"), ("100it", "100it"), ("10it", "10it"));
        var note = By(s,
            "Late resetting at the paper's scale: ResNet-20 and VGG-19 at lr 0.1 without warmup (where resetting to θ0 finds no winning ticket), iterative " +
            "pruning as in Figures 7 and 8, survivors reset to their weights after k = 2,000 iterations (our choice of k, near where Frankle et al. 2020 find " +
            "these networks become stable to SGD noise) against the reset to θ0 of the `resnet20` and `vgg19` recipes (the same runs), 5 replicates.",
            "Late resetting at the CPU scale of the `resnet20` and `vgg19` recipes (their lr-0.1 runs without warmup are reused as the reset-to-θ0 side): " +
            "survivors reset to their weights after k = 100 iterations (5% of ResNet-20's 2,000 and 3% of VGG's 3,000; the paper-scale k is 2,000 of 30,000 " +
            "and 112,480), 1 replicate.",
            "Smoke test: 100 iterations, rewinding to 10; one pruned level, one replicate. It checks the pipeline; its numbers mean nothing.");
        return new RecipePlan(s, note, By(s, 5, 1, 1),
        [
            RecipeStep.Find("resnet20.theta0", By(s, 14, 3, 1), Deep("resnet20", "lr0.1", s)),
            RecipeStep.Find("resnet20.rewind", By(s, 14, 3, 1), [.. Deep("resnet20", "lr0.1", s), "--rewind", resnetK]),
            RecipeStep.Find("vgg19.theta0", By(s, 20, 4, 1), Deep("vgg19", "lr0.1", s)),
            RecipeStep.Find("vgg19.rewind", By(s, 20, 4, 1), [.. Deep("vgg19", "lr0.1", s), "--rewind", vggK]),
        ],
        [
            new("Rewinding (late resetting)", "Test accuracy at early stop and at the end against percent remaining: reset to θ0 against reset to θk, " +
                "ResNet-20 and VGG-19 at lr 0.1 without warmup.", ["early_stop_test_accuracy", "end_accuracy"]),
            new("Early stop", "The early-stopping iteration of each.", ["early_stop_iteration"]),
        ],
        [
            new("ResNet-20, reset to θ0: smallest matching level", "no winning tickets at lr 0.1 without warmup (this paper)", ClaimMeasure.MatchesDownTo, "resnet20.theta0"),
            new("ResNet-20, reset to θk: smallest matching level", "winning tickets with late resetting (Frankle et al. 2019, 2020)", ClaimMeasure.MatchesDownTo, "resnet20.rewind"),
            new("VGG-19, reset to θ0: smallest matching level", "no winning tickets at lr 0.1 without warmup (this paper)", ClaimMeasure.MatchesDownTo, "vgg19.theta0"),
            new("VGG-19, reset to θk: smallest matching level", "winning tickets with late resetting (Frankle et al. 2019, 2020)", ClaimMeasure.MatchesDownTo, "vgg19.rewind"),
        ]);
    }

    public static readonly IReadOnlyList<Recipe> All =
    [
        new("lenet", "LeNet-300-100 on MNIST: iterative against one-shot pruning, random reinitialization and random pruning", "Figures 1, 3 and 4",
            "Winning tickets learn faster and reach higher test accuracy than the dense network down to about 3.6% remaining; iterative pruning finds smaller ones " +
            "than one-shot; reinitialized or randomly pruned copies lose both.", LeNet),
        new("conv2", "Conv-2 on CIFAR-10 with its controls", "Figures 1 and 5",
            "Tickets of the conv networks stop earlier and are more accurate than the dense network; reinitialized and randomly pruned copies are not.", s => ConvPlan("conv2", s)),
        new("conv4", "Conv-4 on CIFAR-10 with its controls", "Figures 1 and 5", "As Conv-2, deeper.", s => ConvPlan("conv4", s)),
        new("conv6", "Conv-6 on CIFAR-10 with its controls", "Figures 1 and 5", "As Conv-2, deeper still.", s => ConvPlan("conv6", s)),
        new("conv2_dropout", "Conv-2 with dropout against without", "Figure 6",
            "Dropout makes the dense network more accurate and pruning adds to it: the lottery ticket effect survives dropout.", s => DropoutPlan("conv2", s)),
        new("conv4_dropout", "Conv-4 with dropout against without", "Figure 6", "As Conv-2 with dropout.", s => DropoutPlan("conv4", s)),
        new("conv6_dropout", "Conv-6 with dropout against without", "Figure 6", "As Conv-2 with dropout.", s => DropoutPlan("conv6", s)),
        new("vgg19", "VGG-19 on CIFAR-10 at each learning rate, with and without warmup", "Figure 7",
            "At lr 0.1 iterative pruning finds no winning tickets unless the rate is warmed up; with warmup, tickets down to 1.5% remaining.", s => DeepPlan("vgg19", s)),
        new("resnet20", "ResNet-20 (the paper's \"ResNet-18\") on CIFAR-10 at each learning rate, with and without warmup", "Figure 8",
            "As VGG-19: winning tickets at lr 0.1 only with warmup (down to 11.8%); at 0.01 the dense network is less accurate.", s => DeepPlan("resnet20", s)),
        new("rewinding", "Late resetting (rewinding to iteration k) for the deep networks at lr 0.1", "Section 5 and its follow-up (Frankle et al. 2019, 2020)",
            "Resetting survivors to their weights after k iterations instead of θ0 finds winning tickets where θ0 finds none.", RewindingPlan),
    ];

    public static Recipe? Find(string name) => All.FirstOrDefault(r => r.Name == name);

    public static Recipe Get(string name) => Find(name)
        ?? throw new HparamsException($"unknown figure '{name}': the recipes are {string.Join(", ", All.Select(r => r.Name))} (`lottery reproduce --list` describes them)");
}
