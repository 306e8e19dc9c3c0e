using System.Globalization;
using System.Text;
using Lottery.Cli.Commands;
using Lottery.Cli.Reproduce;
using Lottery.Hparams;
using Lottery.Runs;

namespace Lottery.Tests.Reproduce;

/// <summary>
/// Every recipe at every scale, without running anything: its plan is exactly the committed one (plans.golden.txt, so a
/// changed recipe is a visible diff), every job is a command the program parses, its stage counts are what the commands
/// train (counted here from the flags), every branch attaches to its trunk's run, the report's panels name figures the
/// report draws, and every CPU-scale recipe is projected to finish within 3 hours on 2 cores.
/// </summary>
public class RecipeTests
{
    const string Runs = "/RUNS";
    static readonly string[] JobArguments = ["--runs-dir", Runs, "--threads", "1"];

    public static TheoryData<string, string> RecipesAndScales()
    {
        var data = new TheoryData<string, string>();
        foreach (var r in RecipeRegistry.All)
            foreach (var s in Scale.All) data.Add(r.Name, s.Name);
        return data;
    }

    static ResolvedRecipe Resolve(string recipe, string scale) =>
        ResolvedRecipe.Resolve(RecipeRegistry.Get(recipe), Scale.Parse(scale), null, Runs, JobArguments);

    /// <summary>The plan as text: per recipe and scale, each job's stages, what it waits for and its command.</summary>
    static string Plans()
    {
        var sb = new StringBuilder();
        foreach (var r in RecipeRegistry.All)
            foreach (var s in Scale.All)
            {
                var resolved = Resolve(r.Name, s.Name);
                sb.Append($"## {r.Name} {s.Name}: {resolved.Replicates.Count} replicate{(resolved.Replicates.Count == 1 ? "" : "s")}\n");
                foreach (var j in resolved.Jobs)
                    sb.Append($"{j.Id} [{j.Step.StagesPerReplicate}]{(j.After.Count > 0 ? " after " + string.Join(",", j.After) : "")}: {j.CommandLine}\n");
            }
        return sb.ToString();
    }

    [Fact]
    public void EveryPlanIsExactlyTheCommittedOne()
    {
        var golden = Path.Combine(TestData.RepositoryRoot, "tests", "Lottery.Tests", "Reproduce", "plans.golden.txt");
        var actual = Plans();
        if (Environment.GetEnvironmentVariable("LOTTERY_UPDATE_GOLDEN") == "1") File.WriteAllText(golden, actual);
        Assert.True(File.Exists(golden), $"{golden} is missing: run the tests once with LOTTERY_UPDATE_GOLDEN=1 and review it");
        var expected = File.ReadAllText(golden).Split('\n');
        var lines = actual.Split('\n');
        for (int i = 0; i < Math.Max(expected.Length, lines.Length); i++)
        {
            var e = i < expected.Length ? expected[i] : "(end)";
            var a = i < lines.Length ? lines[i] : "(end)";
            Assert.True(e == a, $"plans.golden.txt line {i + 1} differs:\n  committed: {e}\n  now:       {a}\n(a deliberate change: rerun with LOTTERY_UPDATE_GOLDEN=1 and commit the diff)");
        }
    }

    [Fact]
    public void TheLeNetRecipeNamesThePaperPresetsRuns()
    {
        // The hashes of the paper preset's runs, pinned since they were first made (docs/README.md): the recipe's commands are
        // the commands a user types, so a recipe reuses runs made by hand.
        var cpu = Resolve("lenet", "cpu");
        Assert.Equal(Path.Combine(Runs, "lottery_78f59e5b43258794"), cpu.Runs["iterative"]);
        Assert.Equal(Path.Combine(Runs, "oneshot_66f560a18d9f0110"), cpu.Runs["oneshot"]);
        // The paper scale trains the same network, so the same runs, to more levels and replicates.
        var paper = Resolve("lenet", "paper");
        Assert.Equal(cpu.Runs["iterative"], paper.Runs["iterative"]);
        Assert.Equal(5, paper.Replicates.Count);
        // Recipes that share a setup share its run: the dropout recipe's network without dropout is the conv2 recipe's.
        Assert.Equal(Resolve("conv2", "cpu").Runs["iterative"], Resolve("conv2_dropout", "cpu").Runs["no_dropout"]);
        Assert.Equal(Resolve("resnet20", "cpu").Runs["lr0.1"], Resolve("rewinding", "cpu").Runs["resnet20.theta0"]);
        Assert.Equal(Resolve("vgg19", "cpu").Runs["lr0.1"], Resolve("rewinding", "cpu").Runs["vgg19.theta0"]);
    }

    static string? Flag(IReadOnlyList<string> args, string flag)
    {
        for (int i = 0; i + 1 < args.Count; i++) if (args[i] == flag) return args[i + 1];
        return null;
    }

    [Theory]
    [MemberData(nameof(RecipesAndScales))]
    public void EveryJobIsACommandTheProgramParsesAndTrainsTheStagesItCounts(string recipe, string scale)
    {
        var resolved = Resolve(recipe, scale);
        Assert.Equal(resolved.Plan.Steps.Count * resolved.Replicates.Count, resolved.Jobs.Count);
        var branchCommands = BranchCommands.Create().ToDictionary(c => c.Name);
        foreach (var job in resolved.Jobs)
        {
            var args = job.Arguments;
            Assert.Equal(job.Step.Command, args[0]);
            Assert.Equal($"{job.Replicate}", Flag(args, "--replicate"));
            Assert.Equal(Runs, Flag(args, "--runs-dir"));
            int expected;
            if (job.Step.IsTrunk)
            {
                var kind = args[0] == "find" ? RunKind.Lottery : RunKind.OneShot;
                var parse = LotteryCommands.Define(kind).Command.Parse(args.Skip(1).ToArray());
                Assert.True(parse.Errors.Count == 0, $"{job.CommandLine}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
                expected = kind == RunKind.Lottery
                    ? int.Parse(Flag(args, "--levels")!, CultureInfo.InvariantCulture) + 1
                    : Flag(args, "--targets")!.Split(',').Length + 1;
                Assert.StartsWith(Path.Combine(Runs, kind == RunKind.Lottery ? "lottery_" : "oneshot_"), job.Run);
                Assert.Empty(job.After);
            }
            else
            {
                var parse = branchCommands[args[0]].Parse(args.Skip(1).ToArray());
                Assert.True(parse.Errors.Count == 0, $"{job.CommandLine}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
                var trunk = resolved.Jobs.Single(j => j.Id == $"{job.Step.On}.r{job.Replicate}");
                Assert.Equal(trunk.Run, args[1]);
                Assert.Equal([trunk.Id], job.After);
                var positions = (Flag(args, "--levels") ?? Flag(args, "--targets"))!.Split(',').Length;
                expected = positions * int.Parse(Flag(args, "--draws") ?? "1", CultureInfo.InvariantCulture);
                // Every position a branch attaches to is one its trunk trains.
                if (Flag(args, "--levels") is { } levels)
                    Assert.All(levels.Split(','), l => Assert.InRange(int.Parse(l, CultureInfo.InvariantCulture), 1, int.Parse(Flag(trunk.Arguments, "--levels")!, CultureInfo.InvariantCulture)));
                else
                    Assert.Equal(Flag(trunk.Arguments, "--targets"), Flag(args, "--targets"));
            }
            Assert.Equal(expected, job.Step.StagesPerReplicate);
        }
    }

    [Theory]
    [MemberData(nameof(RecipesAndScales))]
    public void TheReportsPanelsNameFiguresTheReportDrawsAndItsClaimsNameSteps(string recipe, string scale)
    {
        var resolved = Resolve(recipe, scale);
        int experiments = resolved.RunDirectories.Count;
        var drawable = new HashSet<string> { "early_stop_iteration", "early_stop_test_accuracy", "early_stop_iteration_by_val_acc", "early_stop_test_accuracy_by_val_acc", "end_accuracy" };
        foreach (var stem in new[] { "test_accuracy_curves", "layer_density" })
            if (experiments == 1) drawable.Add(stem);
            else for (int i = 1; i <= experiments; i++) drawable.Add($"{stem}_{i}");
        Assert.NotEmpty(resolved.Plan.Panels);
        Assert.All(resolved.Plan.Panels.SelectMany(p => p.Stems), s => Assert.Contains(s, drawable));
        Assert.StartsWith("Figure", resolved.Plan.Panels[0].PaperFigure.Replace("Rewinding", "Figure"));
        var context = resolved.Context("/OUT");
        Assert.Equal(resolved.Plan.Claims.Count, context.Claims.Count);
        Assert.All(context.Claims, c => Assert.Contains(c.Run, resolved.RunDirectories));
        Assert.Equal(resolved.Plan.Steps.Count + 1, context.Commands.Count);   // one command per step, then the report
        Assert.StartsWith("lottery report ", context.Commands[^1]);
    }

    [Fact]
    public void EveryCpuScaleRecipeIsProjectedToFinishWithinThreeHoursOnTwoCores()
    {
        foreach (var recipe in RecipeRegistry.All)
        {
            var resolved = Resolve(recipe.Name, "cpu");
            // The reference speeds only (this machine's bench records would make the test depend on the machine).
            var seconds = resolved.Jobs.ToDictionary(j => j.Id, j => Projection.JobSeconds(j, [], remaining: false)!.Value);
            double wall = Projection.WallSeconds(resolved.Jobs, seconds, workers: 2);
            Assert.True(wall <= 3 * 3600, $"{recipe.Name}: {Projection.Duration(wall)} projected at the cpu scale");
            Assert.True(wall >= seconds.Values.Sum() / 2 - 1, $"{recipe.Name}: two workers cannot do better than half the work");
            Assert.True(wall >= resolved.Jobs.GroupBy(j => j.Lock).Max(g => g.Sum(j => seconds[j.Id])) - 1, $"{recipe.Name}: jobs of one lock run one after another");
            Assert.True(resolved.Replicates.Count >= 1);
        }
    }

    [Fact]
    public void AStageIsProjectedFromItsIterationsAndMeasurements()
    {
        // LeNet, the paper's preset: 50,000 iterations at 1.2 ms, 501 measurements of 5,000 validation and 10,000 test
        // examples, the final weights on the 55,000 training examples, at 134,273 examples a second, 5 s to load the data.
        var h = PresetRegistry.Get("lenet_mnist").Hparams;
        double expected = 50_000 * 1.2 / 1000 + (501 * 5000.0 + 501 * 10_000 + 55_000) / 134_273 + 5;
        Assert.Equal(expected, Projection.StageSeconds(h, [])!.Value, 6);
        // Measured speeds replace the reference ones.
        var fast = new Speed("lenet_300_100", 60, 0.6, 268_546, "test");
        Assert.Equal(50_000 * 0.6 / 1000 + (501 * 5000.0 + 501 * 10_000 + 55_000) / 268_546 + 5, Projection.StageSeconds(h, [fast])!.Value, 6);
        // A network without a speed is not projected.
        Assert.Null(Projection.StageSeconds(h with { Model = h.Model with { Model = "lenet_500_300" } }, []));
    }

    [Fact]
    public void TheSchedulerSimulationHonoursTrunksAndReplicateLocks()
    {
        var resolved = Resolve("lenet", "smoke");
        // iterative 3, its reinit 1, random pruning 1, oneshot 2, its reinit 1 stage: one second a stage.
        var seconds = resolved.Jobs.ToDictionary(j => j.Id, j => (double)j.Step.StagesPerReplicate);
        // One worker: everything in a row.
        Assert.Equal(8, Projection.WallSeconds(resolved.Jobs, seconds, 1), 9);
        // Two: oneshot (2) and its reinit (1) beside iterative (3), then iterative's two branches side by side (each locks its
        // own directories, not the replicate) = 4.
        Assert.Equal(4, Projection.WallSeconds(resolved.Jobs, seconds, 2), 9);
        Assert.Equal(4, Projection.WallSeconds(resolved.Jobs, seconds, 8), 9);
        // Jobs of one lock wait for each other: a trunk's, and a branch's on one replicate; two branches do not.
        var iterative = resolved.Jobs.Where(j => j.Run == resolved.Jobs.Single(t => t.Id == "iterative.r1").Run).ToList();
        Assert.Equal(3, iterative.Select(j => j.Lock).Distinct().Count());
        Assert.Equal(2, Projection.WallSeconds(iterative, iterative.ToDictionary(j => j.Id, _ => 1.0), 2), 9);
        var sameLock = iterative.Select(j => j with { Step = j.Step.IsTrunk ? j.Step : iterative.First(b => !b.Step.IsTrunk).Step }).ToList();
        Assert.Equal(3, Projection.WallSeconds(sameLock, sameLock.ToDictionary(j => j.Id, _ => 1.0), 2), 9);
    }

    /// <summary>resnet20 at the CPU scale: three four-stage trunks, each with a one-stage control. In plan order, once two
    /// trunks finished, their two controls started before the third trunk, which then ran its four stages and its control
    /// on one worker while the other idled (10 units against 9 at one unit a stage).</summary>
    [Fact]
    public void ReadyJobsStartLongestChainFirst()
    {
        var resolved = Resolve("resnet20", "cpu");
        var seconds = resolved.Jobs.ToDictionary(j => j.Id, j => (double)j.Step.StagesPerReplicate);
        Assert.Equal(["warmup.r1", "lr0.1.r1", "lr0.01.r1", "warmup.reinit.r1", "lr0.1.reinit.r1", "lr0.01.reinit.r1"],
            Projection.StartOrder(resolved.Jobs, seconds).Select(j => j.Id));
        Assert.Equal(9, Projection.WallSeconds(resolved.Jobs, seconds, 2), 9);

        // The scheduler itself starts them in that order: each job a short sleep. The order is the scheduler's own lines
        // (two children started in the same moment may run their first command in either order).
        using var dir = new TempDir();
        string[] program = ["/bin/sh", "-c", "sleep 0.5"];
        var said = new List<string>();
        var results = new LocalScheduler(resolved.Jobs, 2, j => Path.Combine(dir.Path, "logs", j.Id + ".log"), program, said.Add, seconds).Run();
        Assert.All(results, r => Assert.Equal(JobOutcome.Done, r.Outcome));
        var started = said.Select(line => System.Text.RegularExpressions.Regex.Match(line, @"^\[\d+/\d+\] (\S+): started ")).Where(m => m.Success)
            .Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(6, started.Count);
        Assert.Equal(["lr0.1.r1", "warmup.r1"], started.Take(2).Order(StringComparer.Ordinal));
        Assert.Equal("lr0.01.r1", started[2]);   // the third trunk before any control
    }

    [Fact]
    public void UnknownFiguresAndScalesAreRefusedByName()
    {
        var figure = Assert.Throws<HparamsException>(() => RecipeRegistry.Get("lenet5"));
        Assert.Equal($"unknown figure 'lenet5': the recipes are {string.Join(", ", RecipeRegistry.All.Select(r => r.Name))} (`lottery reproduce --list` describes them)", figure.Message);
        var scale = Assert.Throws<HparamsException>(() => Scale.Parse("gpu"));
        Assert.Equal("unknown scale 'gpu': the scales are paper, cpu, smoke", scale.Message);
    }
}
