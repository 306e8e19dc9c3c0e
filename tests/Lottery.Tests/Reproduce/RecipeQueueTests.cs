using System.Text.Json;
using System.Text.RegularExpressions;
using Lottery.Cli.Reproduce;
using Lottery.Tests.Cli;

namespace Lottery.Tests.Reproduce;

/// <summary>
/// Several recipes as one queue (`lottery reproduce conv4 conv4_dropout`, `… all`): a job two recipes share runs once, each
/// recipe's report is a job after all of its own jobs (shared ones included), ids and logs say which recipe a job is
/// queued under; the dry run and the Slurm dry run show the same sharing.
/// </summary>
public sealed class RecipeQueueTests : IDisposable
{
    const string Runs = "/RUNS";
    static readonly string[] JobArguments = ["--runs-dir", Runs, "--threads", "1"];
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    static ResolvedRecipe Resolve(string recipe, string scale) =>
        ResolvedRecipe.Resolve(RecipeRegistry.Get(recipe), Scale.Parse(scale), null, Runs, JobArguments);

    static RecipeQueue Queue(string scale, params string[] recipes) =>
        new(recipes.Select(r => (Resolve(r, scale), $"/OUT/{r}-{scale}")).ToList(), (r, outDir) => ["reproduce", r.Recipe.Name, "--report-only", "--out", outDir]);

    [Fact]
    public void ASharedJobIsQueuedOnceAndEachReportWaitsForAllOfItsRecipesJobs()
    {
        var queue = Queue("cpu", "conv4", "conv4_dropout");
        // conv4: 2 trunks and 4 controls; conv4_dropout: 2 trunks with dropout, its 2 without dropout are conv4's; 2 reports.
        Assert.Equal(["conv4/iterative.r1", "conv4/iterative.r2", "conv4/iterative.reinit.r1", "conv4/iterative.reinit.r2",
            "conv4/iterative.random_pruning.r1", "conv4/iterative.random_pruning.r2", "conv4/report",
            "conv4_dropout/dropout.r1", "conv4_dropout/dropout.r2", "conv4_dropout/report"], queue.Jobs.Select(j => j.Id));
        var dropout = queue.Recipes[1];
        Assert.Equal("conv4/iterative.r2", dropout.QueuedIds["no_dropout.r2"]);
        Assert.Equal("conv4", queue.QueuedUnder("conv4/iterative.r2"));
        Assert.Equal(["conv4_dropout/dropout.r1", "conv4_dropout/dropout.r2", "conv4/iterative.r1", "conv4/iterative.r2"], queue.Job("conv4_dropout/report").After);
        Assert.Equal(queue.Jobs.Where(j => j.Id.StartsWith("conv4/", StringComparison.Ordinal) && !j.IsReport).Select(j => j.Id), queue.Job("conv4/report").After);
        // A branch keeps its trunk's queued id; the report works on no run and trains nothing.
        Assert.Equal(["conv4/iterative.r1"], queue.Job("conv4/iterative.reinit.r1").After);
        var report = queue.Job("conv4_dropout/report");
        Assert.True(report.IsReport);
        Assert.Equal(0, report.FinishedStages());
        Assert.Equal("lottery reproduce conv4_dropout --report-only --out /OUT/conv4_dropout-cpu", report.CommandLine);
        // Logs go to the output directory of the recipe a job is queued under, by the recipe's own id.
        Assert.Equal("/OUT/conv4_dropout-cpu/logs/dropout.r2.log", queue.LogOf(queue.Job("conv4_dropout/dropout.r2")));
        Assert.Equal("/OUT/conv4-cpu/logs/iterative.r2.log", queue.LogOf(queue.Job("conv4/iterative.r2")));
        Assert.Equal("/OUT/conv4-cpu/logs/report.log", queue.LogOf(queue.Job("conv4/report")));

        // One recipe keeps its own ids.
        Assert.Equal(["iterative.r1", "iterative.reinit.r1", "iterative.random_pruning.r1", "oneshot.r1", "oneshot.reinit.r1", "report"],
            Queue("smoke", "lenet").Jobs.Select(j => j.Id));
    }

    /// <summary>Every recipe at the CPU scale: the dropout recipes' networks without dropout are the conv recipes', the
    /// rewinding recipe's θ0 runs are resnet20's and vgg19's at lr 0.1. Nothing else is shared.</summary>
    [Fact]
    public void EveryRecipeAsOneQueueRunsEachSharedJobOnce()
    {
        var queue = Queue("cpu", RecipeRegistry.All.Select(r => r.Name).ToArray());
        var shared = queue.Recipes.SelectMany(e => e.QueuedIds.Where(kv => queue.QueuedUnder(kv.Value) != e.Name).Select(kv => $"{e.Name}/{kv.Key} = {kv.Value}")).ToList();
        Assert.Equal([
            "conv2_dropout/no_dropout.r1 = conv2/iterative.r1", "conv2_dropout/no_dropout.r2 = conv2/iterative.r2",
            "conv4_dropout/no_dropout.r1 = conv4/iterative.r1", "conv4_dropout/no_dropout.r2 = conv4/iterative.r2",
            "conv6_dropout/no_dropout.r1 = conv6/iterative.r1",
            "rewinding/resnet20.theta0.r1 = resnet20/lr0.1.r1", "rewinding/vgg19.theta0.r1 = vgg19/lr0.1.r1",
        ], shared);
        int own = RecipeRegistry.All.Sum(r => Resolve(r.Name, "cpu").Jobs.Count);
        Assert.Equal(own - 7 + RecipeRegistry.All.Count, queue.Jobs.Count);
        // No two queued jobs are the same command.
        Assert.Equal(queue.Jobs.Count, queue.Jobs.Select(j => j.CommandLine).Distinct().Count());
    }

    /// <summary>The scheduler runs the queue: each job once, the shared trunk once, every report after the jobs it waits
    /// for have ended (each job a short sleep that logs its command line).</summary>
    [Fact]
    public void TheSchedulerRunsTheSharedTrunkOnceAndEachReportAfterItsJobs()
    {
        var queue = new RecipeQueue([(Resolve("conv4", "smoke"), Path.Combine(_dir.Path, "conv4")), (Resolve("conv4_dropout", "smoke"), Path.Combine(_dir.Path, "conv4_dropout"))],
            (r, outDir) => ["reproduce", r.Recipe.Name, "--report-only", "--out", outDir]);
        var log = Path.Combine(_dir.Path, "ended.txt");
        string[] program = ["/bin/sh", "-c", $"sleep 0.3; echo \"$0 $*\" >> '{log}'"];
        var said = new List<string>();
        var results = new LocalScheduler(queue.Jobs, 2, queue.LogOf, program, said.Add).Run();
        Assert.All(results, r => Assert.Equal(JobOutcome.Done, r.Outcome));
        var ended = File.ReadAllLines(log).Select(line => queue.Jobs.Single(j => string.Join(' ', j.Arguments) == line).Id).ToList();
        // conv4: trunk, reinit, random pruning; conv4_dropout: its dropout trunk (its trunk without dropout is conv4's); 2 reports.
        Assert.Equal(6, ended.Count);
        Assert.Equal(queue.Jobs.Select(j => j.Id).Order(StringComparer.Ordinal), ended.Order(StringComparer.Ordinal));
        foreach (var report in queue.Jobs.Where(j => j.IsReport))
            Assert.All(report.After, a => Assert.True(ended.IndexOf(a) < ended.IndexOf(report.Id), $"{report.Id} ended before {a}"));
        Assert.Contains(said, l => Regex.IsMatch(l, @"^\[\d/6\] conv4_dropout/report: writing the report: lottery reproduce conv4_dropout --report-only --out "));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "conv4_dropout", "logs", "dropout.r1.log")));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "conv4", "logs", "report.log")));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "conv4_dropout", "logs", "no_dropout.r1.log")));
    }

    /// <summary>The listed order (the default) starts a queue's recipes in the order named, the longest chain first within
    /// each; the longest order starts the longest chain whatever its recipe. Seconds are the projection's from the reference
    /// speeds: Conv-6's trunks and their controls are the longest chains, Conv-2 with dropout the next.</summary>
    [Fact]
    public void TheListedOrderStartsTheRecipesInTheOrderNamed()
    {
        var queue = Queue("cpu", "conv2_dropout", "conv6");
        var seconds = queue.Jobs.ToDictionary(j => j.Id, j => Projection.JobSeconds(j, [], remaining: false) ?? 0);
        var ranks = QueueOrder.Listed.Ranks(queue)!;
        Assert.Null(QueueOrder.Longest.Ranks(queue));
        string[] conv2Dropout = ["conv2_dropout/dropout.r1", "conv2_dropout/dropout.r2", "conv2_dropout/no_dropout.r1", "conv2_dropout/no_dropout.r2"];
        string[] conv6Controls = ["conv6/iterative.reinit.r1", "conv6/iterative.reinit.r2", "conv6/iterative.random_pruning.r1", "conv6/iterative.random_pruning.r2"];
        Assert.Equal([.. conv2Dropout, "conv2_dropout/report", "conv6/iterative.r1", "conv6/iterative.r2", .. conv6Controls, "conv6/report"],
            Projection.StartOrder(queue.Jobs, seconds, ranks).Select(j => j.Id));
        Assert.Equal(["conv6/iterative.r1", "conv6/iterative.r2", .. conv2Dropout, .. conv6Controls, "conv2_dropout/report", "conv6/report"],
            Projection.StartOrder(queue.Jobs, seconds).Select(j => j.Id));

        // On 2 workers the listed order writes conv2_dropout's report before any of Conv-6's trunks ends; the longest order
        // writes it after both of them, and finishes the whole no later.
        var listed = Projection.Finishes(queue.Jobs, seconds, 2, ranks);
        var longest = Projection.Finishes(queue.Jobs, seconds, 2);
        Assert.Equal(listed["conv2_dropout/dropout.r1"] + seconds["conv2_dropout/no_dropout.r1"], listed["conv2_dropout/report"], 6);
        Assert.True(listed["conv2_dropout/report"] < listed["conv6/iterative.r1"]);
        Assert.True(longest["conv2_dropout/report"] > longest["conv6/iterative.r2"]);
        Assert.True(longest.Values.Max() <= listed.Values.Max());
        Assert.Equal(listed.Values.Max(), Projection.WallSeconds(queue.Jobs, seconds, 2, ranks));

        // The scheduler itself, on one worker, with the second recipe's jobs made the longest: each job a short sleep.
        var small = new RecipeQueue([(Resolve("conv2", "smoke"), Path.Combine(_dir.Path, "conv2")), (Resolve("lenet", "smoke"), Path.Combine(_dir.Path, "lenet"))],
            (r, outDir) => ["reproduce", r.Recipe.Name, "--report-only", "--out", outDir]);
        var lenetLongest = small.Jobs.ToDictionary(j => j.Id, j => j.Id.StartsWith("lenet/", StringComparison.Ordinal) ? 100.0 : 1.0);
        List<string> Started(IReadOnlyDictionary<string, int>? order)
        {
            var said = new List<string>();
            var results = new LocalScheduler(small.Jobs, 1, j => Path.Combine(_dir.Path, "logs", j.Id.Replace('/', '_') + ".log"), ["/bin/sh", "-c", "sleep 0.05"], said.Add, lenetLongest, order).Run();
            Assert.All(results, r => Assert.Equal(JobOutcome.Done, r.Outcome));
            return said.Select(line => Regex.Match(line, @"^\[\d+/\d+\] (\S+): (started|writing)")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        }
        var inOrder = Started(QueueOrder.Listed.Ranks(small));
        Assert.Equal(small.Jobs.Count, inOrder.Count);
        Assert.Equal(small.Jobs.Where(j => small.QueuedUnder(j.Id) == "conv2").Select(j => j.Id), inOrder.TakeWhile(id => id.StartsWith("conv2/", StringComparison.Ordinal)));
        Assert.Equal("conv2/report", inOrder[small.Jobs.Count(j => small.QueuedUnder(j.Id) == "conv2") - 1]);
        Assert.StartsWith("lenet/", Started(null)[0], StringComparison.Ordinal);
    }

    /// <summary>A longer chain than the first ready job starts first only when it could no longer wait: started after the
    /// first job (or when another worker frees, if sooner) it would end after the work left shared by the workers.</summary>
    [Fact]
    public void ALongChainJumpsTheListedOrderOnlyWhenItCanNoLongerWait()
    {
        var jobs = Resolve("conv6", "cpu").Jobs;
        RecipeJob a = jobs[0], b = jobs[1];
        var chains = new Dictionary<string, double> { [a.Id] = 1, [b.Id] = 5 };
        var seconds = new Dictionary<string, double> { [a.Id] = 1, [b.Id] = 5 };
        // Another worker idle: no delay; B must start when 5 > work / 2.
        Assert.Same(b, Projection.Pick([a, b], chains, seconds, work: 8, workers: 2, otherFreeIn: 0));
        Assert.Same(a, Projection.Pick([a, b], chains, seconds, work: 10, workers: 2, otherFreeIn: 0));
        // The other worker busy for 3 more: B would wait as long as A takes (1): 5 + 1 > 11 / 2.
        Assert.Same(b, Projection.Pick([a, b], chains, seconds, work: 11, workers: 2, otherFreeIn: 3));
        Assert.Same(a, Projection.Pick([a, b], chains, seconds, work: 12, workers: 2, otherFreeIn: 3));
        // A longer first job waits as long as the other worker does.
        seconds[a.Id] = chains[a.Id] = 4;
        Assert.Same(b, Projection.Pick([a, b], chains, seconds, work: 15, workers: 2, otherFreeIn: 3));
        Assert.Same(a, Projection.Pick([a, b], chains, seconds, work: 16, workers: 2, otherFreeIn: 3));
        // The first job already the longest chain: it.
        Assert.Same(b, Projection.Pick([b, a], chains, seconds, work: 1000, workers: 2, otherFreeIn: 0));

        // The four deeper conv recipes in order on 2 workers: conv4's report, then conv6's, and conv6_dropout's one trunk with
        // dropout does not run last by itself: it starts before conv4_dropout's second trunk with dropout ends.
        var queue = Queue("cpu", "conv4", "conv6", "conv4_dropout", "conv6_dropout");
        var projected = queue.Jobs.ToDictionary(j => j.Id, j => Projection.JobSeconds(j, [], remaining: false) ?? 0);
        var listed = Projection.Finishes(queue.Jobs, projected, 2, QueueOrder.Listed.Ranks(queue));
        Assert.True(listed["conv4/report"] < listed["conv6/report"]);
        Assert.True(listed["conv6/report"] < Math.Min(listed["conv4_dropout/report"], listed["conv6_dropout/report"]));
        Assert.True(listed["conv6_dropout/dropout.r1"] - projected["conv6_dropout/dropout.r1"] < listed["conv4_dropout/dropout.r2"]);
        double longest = Projection.WallSeconds(queue.Jobs, projected, 2);
        Assert.InRange(listed.Values.Max(), longest, longest * 1.05);
    }

    string[] Roots => ["--runs-dir", Path.Combine(_dir.Path, "runs"), "--data-root", TestData.DatasetsRoot];

    [Fact]
    public void TheDryRunOfSeveralFiguresShowsTheSharedJobsOnceAndEachReport()
    {
        var outDir = Path.Combine(_dir.Path, "out");
        var r = CliRunner.Run(_dir.Path, ["reproduce", "conv4", "conv4_dropout", "--dry-run", "--out", outDir, .. Roots]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("conv4/iterative.reinit.r2: 2 stages (none finished), after conv4/iterative.r2, ~", r.Stdout);
        Assert.Contains("conv4_dropout/no_dropout.r1: the same command as conv4/iterative.r1, run once", r.Stdout);
        Assert.Contains($"then the report: {Path.Combine(outDir, "conv4-cpu", "report.html")}", r.Stdout);
        Assert.Contains($"then the report: {Path.Combine(outDir, "conv4_dropout-cpu", "report.html")}", r.Stdout);
        // conv4's 18 stages and conv4_dropout's 2 × 3 with dropout.
        Assert.Matches(@"8 jobs, 24 stages \(0 finished\); 2 jobs shared between recipes, run once; projected on \d+ workers?, listed order: ", r.Stdout);
        Assert.Matches(@"then the report: .*conv4-cpu/report\.html \(projected \d+ h \d\d min from now\)", r.Stdout);
        var longest = CliRunner.Run(_dir.Path, ["reproduce", "conv4", "conv4_dropout", "--dry-run", "--order", "longest", "--jobs", "2", "--out", outDir, .. Roots]);
        Assert.True(longest.ExitCode == 0, longest.Stderr);
        Assert.Contains("projected on 2 workers, longest order: ", longest.Stdout);
        Assert.False(Directory.Exists(outDir));

        var json = CliRunner.Run(_dir.Path, ["reproduce", "all", "--scale", "smoke", "--dry-run", "--json", "--out", outDir, .. Roots]);
        Assert.True(json.ExitCode == 0, json.Stderr);
        var o = JsonDocument.Parse(json.Stdout).RootElement;
        var recipes = o.GetProperty("recipes").EnumerateArray().ToList();
        Assert.Equal(RecipeRegistry.All.Select(x => x.Name), recipes.Select(x => x.GetProperty("recipe").GetString()));
        var noDropout = recipes.Single(x => x.GetProperty("recipe").GetString() == "conv2_dropout").GetProperty("jobs").EnumerateArray()
            .Single(j => j.GetProperty("id").GetString() == "conv2_dropout/no_dropout.r1");
        Assert.Equal("conv2/iterative.r1", noDropout.GetProperty("same_as").GetString());
        Assert.Equal(recipes.Sum(x => x.GetProperty("stages").GetInt32()) - StagesShared("smoke"), o.GetProperty("stages").GetInt32());
        Assert.Equal("listed", o.GetProperty("order").GetString());
        // Every job is one some report waits for: the last report ends the queue.
        var reportTimes = recipes.Select(x => x.GetProperty("report_after_seconds").GetDouble()).ToList();
        Assert.All(reportTimes, t => Assert.True(t > 0));
        Assert.Equal(o.GetProperty("remaining_seconds").GetDouble(), reportTimes.Max(), 6);
        Assert.False(Directory.Exists(outDir));
    }

    /// <summary>The stages of the jobs other recipes share, counted from the plans.</summary>
    static int StagesShared(string scale)
    {
        var queue = Queue(scale, RecipeRegistry.All.Select(r => r.Name).ToArray());
        return queue.Recipes.Sum(e => e.Resolved.Jobs.Where(j => queue.QueuedUnder(e.QueuedIds[j.Id]) != e.Name).Sum(j => j.Step.StagesPerReplicate));
    }

    [Fact]
    public void UnderSlurmASharedStepIsSubmittedOnceAndEachReportWaitsForItsRecipesJobs()
    {
        var outDir = Path.Combine(_dir.Path, "out");
        var r = CliRunner.Run(_dir.Path, ["slurm", "reproduce", "conv4", "conv4_dropout", "--scale", "smoke", "--dry-run", "--out", outDir, "--time", "1:00:00", .. Roots]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var o = r.Stdout;
        Assert.Equal(6, o.Split("#!/bin/bash").Length - 1);   // conv4's three steps and report, conv4_dropout's dropout trunk and report
        foreach (var line in new[]
        {
            "conv4_iterative_job=$(sbatch --parsable ",
            "conv4_iterative_reinit_job=$(sbatch --parsable --dependency=aftercorr:$conv4_iterative_job --kill-on-invalid-dep=yes ",
            "conv4_report_job=$(sbatch --parsable --dependency=afterany:$conv4_iterative_job:$conv4_iterative_reinit_job:$conv4_iterative_random_pruning_job --kill-on-invalid-dep=yes ",
            "conv4_dropout_dropout_job=$(sbatch --parsable ",
            "conv4_dropout_report_job=$(sbatch --parsable --dependency=afterany:$conv4_dropout_dropout_job:$conv4_iterative_job --kill-on-invalid-dep=yes ",
            $"reproduce conv4_dropout --scale smoke --replicates 1 --report-only --out {Path.Combine(outDir, "conv4_dropout-smoke")} ",
        })
            Assert.Contains(line, o);
        Assert.DoesNotContain("no_dropout", o);
        Assert.False(Directory.Exists(outDir));
    }
}
