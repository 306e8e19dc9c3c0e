using Lottery.Branches;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Runs;

namespace Lottery.Cli.Reproduce;

/// <summary>
/// One replicate of one recipe step: the command line of a child `lottery` process, the jobs it waits for (its trunk's job
/// of the same replicate) and what it locks (<see cref="Lock"/>: a trunk's replicate, or a branch's directories in it).
/// </summary>
/// <param name="Id">"STEP.rR", e.g. iterative.r2.</param>
/// <param name="Run">The run directory the job works in (a branch's: its trunk's).</param>
/// <param name="Arguments">The command's arguments (after the program), replicate, roots and threads included.</param>
/// <param name="After">Ids of the jobs that must have succeeded first.</param>
/// <param name="Hparams">The run's hyperparameters (for the projection).</param>
public sealed record RecipeJob(string Id, RecipeStep Step, int Replicate, string Run, IReadOnlyList<string> Arguments, IReadOnlyList<string> After,
    ExperimentHparams Hparams, string? Rewind)
{
    /// <summary>Jobs with the same key write the same directories, so never run at once (<see cref="RecipeStep.LockScope"/>).</summary>
    public string Lock => $"{Run}#{Replicate}#{Step.LockScope}";

    /// <summary>The name of the step the report job is: it writes its recipe's report (`lottery reproduce NAME --report-only`)
    /// once every job of the recipe has finished, in a process of its own so that the other workers go on training.</summary>
    public const string ReportStep = "report";

    public bool IsReport => Step.Id == ReportStep && Step.Command == "reproduce";

    /// <summary>A recipe's report as a job after all of its jobs: it works on no run (its lock is its own output directory)
    /// and trains nothing; <paramref name="hparams"/> are any of the recipe's, for the record's sake.</summary>
    public static RecipeJob Report(string id, string outDirectory, IReadOnlyList<string> arguments, IReadOnlyList<string> after, ExperimentHparams hparams) =>
        new(id, new RecipeStep(ReportStep, "reproduce", arguments.Skip(1).ToList(), null, 0), 0, outDirectory, arguments, after, hparams, null);

    /// <summary>The command as a user would type it.</summary>
    public string CommandLine => "lottery " + string.Join(' ', Arguments.Select(Cluster.JobScript.Quote));

    /// <summary>How many of the job's stages are finished on disk (a job whose stages are all finished is not started).</summary>
    public int FinishedStages()
    {
        if (IsReport) return 0;
        var layout = new RunLayout(Run);
        int r = Replicate;
        static bool Done(string dir) => File.Exists(Path.Combine(dir, "summary.json"));
        if (Step.Command == "find")
        {
            int levels = Step.StagesPerReplicate;
            return Enumerable.Range(0, levels).Count(l => Done(layout.Level(r, l)));
        }
        if (Step.Command == "oneshot")
        {
            var targets = LotteryCommandsTargets(Step.Selector("--targets")!);
            int dense = Step.StagesPerReplicate - targets.Count;
            return (dense > 0 && Done(layout.Level(r, 0)) ? 1 : 0) + targets.Count(t => Done(layout.Target(r, t)));
        }
        var branch = BranchRegistry.Get(Step.Command);
        var draws = Step.Selector("--draws") is { } d ? int.Parse(d, System.Globalization.CultureInfo.InvariantCulture) : 1;
        var instances = branch.Instances(new BranchOptions(draws));
        IEnumerable<string> stages = Step.Selector("--levels") is { } l
            ? RunOptions.ParseIntList(l, "--levels", 0).Select(level => layout.Level(r, level))
            : LotteryCommandsTargets(Step.Selector("--targets")!).Select(t => layout.Target(r, t));
        return stages.Sum(stage => instances.Count(i => Done(RunLayout.Branch(stage, i))));
    }

    static IReadOnlyList<double> LotteryCommandsTargets(string text) => global::Lottery.Cli.Commands.LotteryCommands.ParseTargets(text);
}

/// <summary>A recipe resolved at one scale for this machine: the run of every trunk step and every job.</summary>
public sealed record ResolvedRecipe(Recipe Recipe, RecipePlan Plan, IReadOnlyList<int> Replicates, IReadOnlyDictionary<string, string> Runs,
    IReadOnlyList<RecipeJob> Jobs)
{
    /// <summary>The trunk runs in the recipe's order (the report's experiments, in the order its panels count them).</summary>
    public IReadOnlyList<string> RunDirectories => Plan.Steps.Where(s => s.IsTrunk).Select(s => Runs[s.Id]).Distinct().ToList();

    /// <summary>The scale's note, and where --replicates changed the count it states, the count run: the note is written for
    /// the scale's own replicates ("2 replicates instead of 5"), and a report of 3 must not say 2.</summary>
    public string Note => Replicates.Count == Plan.Replicates ? Plan.Note
        : $"{Plan.Note} Run with {Replicates.Count} replicate{(Replicates.Count == 1 ? "" : "s")} (--replicates {Replicates.Count}), not the {Plan.Replicates} this note counts.";

    /// <summary>The commands a user would type for the whole recipe: one per step, over all replicates, then the report.</summary>
    public IReadOnlyList<string> Commands(string outDirectory)
    {
        bool contiguous = Replicates.SequenceEqual(Enumerable.Range(1, Replicates.Count));
        var list = Replicates.Count == 1 ? $"{Replicates[0]}" : contiguous ? $"1-{Replicates.Count}" : string.Join(',', Replicates);
        var trunkReplicates = contiguous && Replicates.Count > 1 ? $"--replicates {Replicates.Count}" : $"--replicate {list}";
        var lines = Plan.Steps.Select(s => "lottery " + string.Join(' ', (s.IsTrunk ? [s.Command] : new[] { s.Command, Path.GetFileName(Runs[s.On!]) })
            .Concat(s.Flags).Select(Cluster.JobScript.Quote)) + " " + (s.IsTrunk ? trunkReplicates : $"--replicate {list}")).ToList();
        lines.Add($"lottery report {string.Join(' ', RunDirectories.Select(Path.GetFileName))} --out {Cluster.JobScript.Quote(outDirectory)}");
        return lines;
    }

    /// <summary>Resolves each trunk step's flags exactly as its command parses them, and names its run without creating it.</summary>
    /// <param name="jobArguments">What every job adds: runs and data roots, threads, and flags such as --no-tensorboard.</param>
    public static ResolvedRecipe Resolve(Recipe recipe, Scale scale, int? replicates, string runsRoot, IReadOnlyList<string> jobArguments)
    {
        var plan = recipe.Plan(scale);
        var reps = Enumerable.Range(1, replicates ?? plan.Replicates).ToList();
        Native.TorchNativeLoader.EnsureLoaded();
        var environment = new RunEnvironment(runsRoot, _ => throw new InvalidOperationException("planning reads no data"),
            NullLotteryObserver.Instance, 1000, Api.Experiment.Versions());
        var runs = new Dictionary<string, string>();
        var hparams = new Dictionary<string, (ExperimentHparams Hparams, string? Rewind)>();
        var jobs = new List<RecipeJob>();
        foreach (var step in plan.Steps)
        {
            if (step.IsTrunk)
            {
                var kind = step.Command == "find" ? RunKind.Lottery : step.Command == "oneshot" ? RunKind.OneShot
                    : throw new InvalidOperationException($"recipe {recipe.Name}: step {step.Id} is neither find nor oneshot");
                var definition = global::Lottery.Cli.Commands.LotteryCommands.Define(kind);
                var parse = definition.Command.Parse(step.Flags.ToArray());
                if (parse.Errors.Count > 0)
                    throw new InvalidOperationException($"recipe {recipe.Name} step {step.Id}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
                var (h, seed, rewind) = definition.Trunk.Build(parse);
                using var experiment = Api.Experiment.Create(environment, h, seed, rewind);
                runs[step.Id] = experiment.PlannedRunDirectory(kind);
                hparams[step.Id] = (h, rewind);
            }
            else
            {
                if (!runs.ContainsKey(step.On!)) throw new InvalidOperationException($"recipe {recipe.Name}: step {step.Id} attaches to '{step.On}', not an earlier trunk step");
                BranchRegistry.Get(step.Command);
                runs[step.Id] = runs[step.On!];
                hparams[step.Id] = hparams[step.On!];
            }
            foreach (var r in reps)
            {
                var args = new List<string> { step.Command };
                if (!step.IsTrunk) args.Add(runs[step.Id]);
                args.AddRange(step.Flags);
                args.AddRange(["--replicate", r.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                args.AddRange(jobArguments);
                jobs.Add(new RecipeJob($"{step.Id}.r{r}", step, r, runs[step.Id], args, step.IsTrunk ? [] : [$"{step.On}.r{r}"],
                    hparams[step.Id].Hparams, hparams[step.Id].Rewind));
            }
        }
        return new ResolvedRecipe(recipe, plan, reps, runs, jobs);
    }

    /// <summary>The report's context: what it reproduces, how, and the claims measured on the recipe's runs.</summary>
    public Reports.ReportContext Context(string outDirectory) => new(Recipe.Name, Recipe.Title, Recipe.Figures, Plan.Scale.Name, Note,
        Commands(outDirectory), Plan.Panels,
        Plan.Claims.Select(c => new Reports.PaperClaim(c.Quantity, c.Paper, c.Measure, Runs[c.Step], c.AtPercent, c.OtherStep is null ? null : Runs[c.OtherStep])).ToList(),
        RunDirectories.ToDictionary(run => Path.GetFileName(run), run => (IReadOnlySet<string>)Plan.Steps.Where(s => !s.IsTrunk && Runs[s.Id] == run).Select(s => s.Command).ToHashSet()));
}
