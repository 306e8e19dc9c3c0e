using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Lottery.Cli.Reproduce;
using Lottery.Cluster;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Reports;
using Lottery.Runs;

namespace Lottery.Cli.Commands;

/// <summary>
/// `lottery reproduce FIGURE`: one figure family of the paper as the existing commands composed (its recipe), run on
/// this machine (child processes, several at a time) or, under `lottery slurm reproduce`, as dependent job arrays; then
/// one report laid out as the paper's figures, with the paper's numbers beside ours. `--list` describes every recipe at
/// every scale with its projected time; `--dry-run` prints the plan and writes nothing.
/// </summary>
public static class ReproduceCommand
{
    public static Command Create(SlurmFlags? slurm = null)
    {
        var figure = new Argument<string?>("figure") { Description = $"The recipe: {string.Join(", ", RecipeRegistry.All.Select(r => r.Name))}", Arity = ArgumentArity.ZeroOrOne };
        var scale = new Option<string>("--scale") { Description = "paper (the paper's setup), cpu (a stated shortening: within 3 hours on 2 cores) or smoke (minutes, a pipeline check)", DefaultValueFactory = _ => "cpu" };
        var replicates = Flags.Integer("--replicates", "Replicates of every step (default: the scale's: 5 for paper, the recipe's for cpu, 1 for smoke)", min: 1);
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the jobs (the exact commands), what is already finished and the projected time; run and write nothing" };
        var list = new Option<bool>("--list") { Description = "Describe every recipe: what it runs, how many stages and the projected time at each scale" };
        var reportOnly = new Option<bool>("--report-only") { Description = "Train nothing: write the report of the recipe's finished stages" };
        var output = Flags.Text("--out", "Where the report goes (default: reproduce/FIGURE-SCALE); job logs go in its logs/");
        var jobs = Flags.Integer("--jobs", $"Jobs at once on this machine (default: its cores, {Environment.ProcessorCount})", min: 1);
        var run = new RunOptions();
        var command = new Command("reproduce", slurm is null
            ? "Reproduce a figure of the paper: its recipe's runs (reused where they exist), then a report laid out as the paper's figure"
            : "Submit a figure's recipe as Slurm job arrays (branches after their trunk, the report last)")
            { figure, scale, replicates, dryRun, list, reportOnly, output, jobs, run.DataRoot, run.RunsDir, run.Threads, run.Json, run.NoTensorBoard, run.Sparse };
        if (slurm is not null)
        {
            command.Options.Remove(dryRun);
            command.Options.Remove(list);
            command.Options.Remove(reportOnly);
            command.Options.Remove(jobs);
            foreach (var o in slurm.All) command.Options.Add(o);
        }
        command.SetAction(p =>
        {
            bool json = p.GetValue(run.Json);
            var s = Scale.Parse(p.GetValue(scale)!);
            if (slurm is null && p.GetValue(list)) return List(json, p.GetValue(jobs) ?? Environment.ProcessorCount);
            var name = p.GetValue(figure) ?? throw new HparamsException($"name the figure to reproduce: {string.Join(", ", RecipeRegistry.All.Select(r => r.Name))} (`lottery reproduce --list` describes them)");
            var recipe = RecipeRegistry.Get(name);
            bool dry = slurm is null ? p.GetValue(dryRun) : p.GetValue(slurm.DryRun);
            var root = dry ? CliRuntime.RunsRoot(p.GetValue(run.RunsDir)) : CliRuntime.WritableRunsRoot(p.GetValue(run.RunsDir));
            var outDir = Path.GetFullPath(p.GetValue(output) ?? Path.Combine("reproduce", $"{recipe.Name}-{s.Name}"));
            if (File.Exists(outDir)) throw new HparamsException($"--out {outDir} is a file: give a directory");
            var dataRoot = p.GetValue(run.DataRoot) is { } d ? Path.GetFullPath(d) : null;
            int threads = p.GetValue(run.Threads) ?? 1;
            var jobArgs = new List<string> { "--runs-dir", root };
            if (dataRoot is not null) jobArgs.AddRange(["--data-root", dataRoot]);
            if (slurm is null || p.GetResult(run.Threads) is { Implicit: false }) jobArgs.AddRange(["--threads", threads.ToString(CultureInfo.InvariantCulture)]);
            if (p.GetValue(run.NoTensorBoard)) jobArgs.Add("--no-tensorboard");
            if (p.GetResult(run.Sparse) is { Implicit: false }) jobArgs.AddRange(["--sparse", p.GetValue(run.Sparse)!]);
            var resolved = ResolvedRecipe.Resolve(recipe, s, p.GetValue(replicates), root, jobArgs);
            if (slurm is not null) return SubmitToSlurm(p, slurm, run, resolved, outDir, dataRoot, dry, json);
            int workers = p.GetValue(jobs) ?? Environment.ProcessorCount;
            if (dry) return DryRun(resolved, outDir, workers, json);

            IReadOnlyList<LocalScheduler.Result> results = [];
            if (!p.GetValue(reportOnly))
            {
                Console.Error.WriteLine($"{recipe.Name} at the {s.Name} scale: {resolved.Jobs.Count} jobs on {workers} worker{(workers == 1 ? "" : "s")}, " +
                    $"{threads} thread{(threads == 1 ? "" : "s")} each; projected {Projection.Duration(Remaining(resolved, workers))}");
                results = new LocalScheduler(resolved.Jobs, workers, Path.Combine(outDir, "logs"), SlurmSubmission.ProgramCommand(), Console.Error.WriteLine,
                    JobSeconds(resolved, remaining: true)).Run();
            }
            var report = WriteReport(p, run, resolved, outDir, json);
            var failed = results.Where(r => r.Outcome is JobOutcome.Failed or JobOutcome.Blocked).ToList();
            var interrupted = results.Where(r => r.Outcome == JobOutcome.Interrupted).ToList();
            Print(resolved, report, results, outDir, json);
            if (interrupted.Count > 0)
                throw new CommandInterruptedException($"interrupted: {results.Count(r => r.Outcome is JobOutcome.Done or JobOutcome.Reused)} of {results.Count} jobs finished " +
                    $"(the report shows their stages); re-run the same command to continue (finished stages are skipped, stopped ones resume from their checkpoints)");
            if (failed.Count > 0)
                throw new RunFileException($"{failed.Count} of {results.Count} jobs did not finish: {string.Join(", ", failed.Select(f => f.Job.Id + (f.Log is null ? " (waits for a failed job)" : $" (log: {f.Log})")))}; " +
                    "the report shows what finished; fix the cause and re-run the same command (finished stages are skipped)");
            return 0;
        });
        return command;
    }

    /// <summary>Seconds the jobs still need on <paramref name="workers"/> workers (finished stages cost nothing).</summary>
    static double Remaining(ResolvedRecipe resolved, int workers, bool remaining = true) =>
        Projection.WallSeconds(resolved.Jobs, JobSeconds(resolved, remaining), workers);

    /// <summary>Each job's projected seconds: what it still has to run, or all of it.</summary>
    static Dictionary<string, double> JobSeconds(ResolvedRecipe resolved, bool remaining)
    {
        var measured = BenchCache.Measured();
        return resolved.Jobs.ToDictionary(j => j.Id, j => Projection.JobSeconds(j, measured, remaining) ?? 0);
    }

    static string SpeedSource(ResolvedRecipe resolved)
    {
        var measured = BenchCache.Measured();
        var sources = resolved.Jobs.Select(j => Projection.SpeedOf(j.Hparams.Model.Model, j.Hparams.Dataset.BatchSize, measured)?.Source ?? "unknown").Distinct().ToList();
        return sources.All(x => x.StartsWith("reference", StringComparison.Ordinal))
            ? "speeds of the project's 2-core VM (run `lottery bench --threads 1` to project from this machine's)"
            : $"speeds from {string.Join("; ", sources)}";
    }

    static Report WriteReport(ParseResult p, RunOptions run, ResolvedRecipe resolved, string outDir, bool json)
    {
        var runs = resolved.RunDirectories.Where(r => File.Exists(Path.Combine(r, "manifest.json"))).ToList();
        if (runs.Count == 0)
            throw new RunFileException($"nothing to report yet: none of the recipe's runs exists under {Path.GetDirectoryName(resolved.RunDirectories[0])}: " +
                $"run `lottery reproduce {resolved.Recipe.Name} --scale {resolved.Plan.Scale.Name}` first");
        var progress = new ConsoleProgress(json);
        var device = CliRuntime.SetUp("cpu", p.GetValue(run.Threads));
        using var meter = new TrainAccuracy(m => CliRuntime.DataLoader(p.GetValue(run.DataRoot), m.DataRoot, device, progress)(m.Hparams.Dataset));
        var report = Report.Build(runs, meter, progress.OnMessage, resolved.Plan.CurveLevels, EarlyStopCriterion.ValidationLoss, resolved.Context(outDir));
        ReportWriter.Write(report, outDir);
        return report;
    }

    static void Print(ResolvedRecipe resolved, Report report, IReadOnlyList<LocalScheduler.Result> results, string outDir, bool json)
    {
        var page = Path.Combine(outDir, "report.html");
        if (json)
        {
            var o = ReportWriter.Json(report);
            o["report"] = page;
            o["scale"] = resolved.Plan.Scale.Name;
            o["run_dirs"] = new JsonArray(resolved.RunDirectories.Select(r => (JsonNode)r).ToArray());
            o["jobs"] = new JsonArray(results.Select(r => (JsonNode)new JsonObject
            {
                ["id"] = r.Job.Id, ["outcome"] = r.Outcome.ToString().ToLowerInvariant(), ["seconds"] = r.Elapsed.TotalSeconds,
                ["exit_code"] = r.ExitCode, ["log"] = r.Log, ["command"] = r.Job.CommandLine,
            }).ToArray());
            Output.Print(o);
            return;
        }
        Console.WriteLine($"{resolved.Recipe.Title} ({resolved.Recipe.Figures}), {resolved.Plan.Scale.Name} scale:");
        var claims = report.Claims;
        if (claims.Count > 0)
        {
            var table = new TextTable().Shrinkable("quantity", 16).Shrinkable("the paper", 16).Shrinkable("this run", 24);
            foreach (var c in claims) table.Add(c.Quantity, c.Paper, c.Ours);
            table.Write();
        }
        Console.WriteLine($"report: {page}");
    }

    static int DryRun(ResolvedRecipe resolved, string outDir, int workers, bool json)
    {
        var measured = BenchCache.Measured();
        var rows = resolved.Jobs.Select(j => (Job: j, Finished: j.FinishedStages(), Seconds: Projection.JobSeconds(j, measured, remaining: true))).ToList();
        double all = Remaining(resolved, workers, remaining: false), left = Remaining(resolved, workers);
        if (json)
        {
            Output.Print(new JsonObject
            {
                ["dry_run"] = true, ["recipe"] = resolved.Recipe.Name, ["scale"] = resolved.Plan.Scale.Name, ["note"] = resolved.Plan.Note,
                ["replicates"] = resolved.Replicates.Count, ["workers"] = workers,
                ["stages"] = resolved.Jobs.Sum(j => j.Step.StagesPerReplicate), ["finished_stages"] = rows.Sum(r => r.Finished),
                ["projected_seconds"] = all, ["remaining_seconds"] = left, ["speeds"] = SpeedSource(resolved),
                ["jobs"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
                {
                    ["id"] = r.Job.Id, ["command"] = new JsonArray(r.Job.Arguments.Select(a => (JsonNode)a).ToArray()), ["run"] = r.Job.Run,
                    ["after"] = new JsonArray(r.Job.After.Select(a => (JsonNode)a).ToArray()), ["stages"] = r.Job.Step.StagesPerReplicate,
                    ["finished_stages"] = r.Finished, ["remaining_seconds"] = r.Seconds,
                }).ToArray()),
                ["commands"] = new JsonArray(resolved.Commands(outDir).Select(c => (JsonNode)c).ToArray()),
                ["report"] = Path.Combine(outDir, "report.html"),
            });
            return 0;
        }
        Console.WriteLine($"{resolved.Recipe.Name} ({resolved.Recipe.Figures}) at the {resolved.Plan.Scale.Name} scale: {resolved.Recipe.Title}");
        Console.WriteLine(resolved.Plan.Note);
        Console.WriteLine();
        foreach (var (job, finished, seconds) in rows)
        {
            var state = finished >= job.Step.StagesPerReplicate ? "all finished: reused" : finished > 0 ? $"{finished} finished: reused" : "none finished";
            var after = job.After.Count == 0 ? "" : $", after {string.Join(", ", job.After)}";
            Console.WriteLine($"{job.Id}: {job.Step.StagesPerReplicate} stage{(job.Step.StagesPerReplicate == 1 ? "" : "s")} ({state}){after}, ~{Projection.Duration(seconds ?? 0)}");
            Console.WriteLine($"  {job.CommandLine}");
        }
        Console.WriteLine($"then the report: {Path.Combine(outDir, "report.html")}");
        int stages = resolved.Jobs.Sum(j => j.Step.StagesPerReplicate), done = rows.Sum(r => r.Finished);
        Console.WriteLine($"{resolved.Jobs.Count} jobs, {stages} stages ({done} finished); projected on {workers} worker{(workers == 1 ? "" : "s")}: " +
            $"{Projection.Duration(all)} from scratch, {Projection.Duration(left)} for what remains ({SpeedSource(resolved)}).");
        Console.WriteLine("dry run: nothing was run or written");
        return 0;
    }

    static int List(bool json, int workers)
    {
        var root = Path.Combine(Path.GetTempPath(), "lottery-reproduce-list");   // only names are computed under it: nothing is written
        var measured = BenchCache.Measured();
        var entries = new JsonArray();
        foreach (var recipe in RecipeRegistry.All)
        {
            var scales = new JsonObject();
            if (!json) Console.WriteLine($"{recipe.Name}: {recipe.Title} (the paper's {recipe.Figures})\n  {recipe.Claim}");
            foreach (var s in Scale.All)
            {
                var resolved = ResolvedRecipe.Resolve(recipe, s, null, root, ["--threads", "1"]);
                var seconds = resolved.Jobs.ToDictionary(j => j.Id, j => Projection.JobSeconds(j, measured, remaining: false) ?? 0);
                double wall = Projection.WallSeconds(resolved.Jobs, seconds, workers);
                int stages = resolved.Jobs.Sum(j => j.Step.StagesPerReplicate);
                var steps = string.Join(", ", resolved.Plan.Steps.Select(st => $"{st.Id} {st.StagesPerReplicate}"));
                scales[s.Name] = new JsonObject
                {
                    ["replicates"] = resolved.Replicates.Count, ["stages"] = stages, ["projected_seconds"] = wall, ["work_seconds"] = seconds.Values.Sum(),
                    ["note"] = resolved.Plan.Note,
                    ["steps"] = new JsonArray(resolved.Plan.Steps.Select(st => (JsonNode)new JsonObject
                    {
                        ["id"] = st.Id, ["command"] = st.Command, ["on"] = st.On, ["flags"] = new JsonArray(st.Flags.Select(f => (JsonNode)f).ToArray()),
                        ["stages_per_replicate"] = st.StagesPerReplicate,
                    }).ToArray()),
                };
                if (!json)
                {
                    Console.WriteLine($"  {s.Name,-6} {resolved.Replicates.Count} replicate{(resolved.Replicates.Count == 1 ? " " : "s")} × ({steps} stages) = {stages} stages, " +
                        $"~{Projection.Duration(wall)} on {workers} worker{(workers == 1 ? "" : "s")}");
                    if (s == Scale.Cpu) Console.WriteLine($"         {resolved.Plan.Note}");
                }
            }
            entries.Add(new JsonObject { ["name"] = recipe.Name, ["title"] = recipe.Title, ["figures"] = recipe.Figures, ["claim"] = recipe.Claim, ["scales"] = scales });
        }
        if (json) Output.Print(new JsonObject { ["workers"] = workers, ["recipes"] = entries });
        else Console.WriteLine($"projected with {(measured.Count > 0 ? "this machine's `lottery bench --threads 1` speeds where measured, else " : "")}the speeds of the project's 2-core VM, one thread per job");
        return 0;
    }

    /// <summary>`lottery slurm reproduce`: every step an array over the replicates; a branch after its trunk's tasks (and after the
    /// branch before it on the same run, which holds the same replicates' locks); the report last, after everything ends.</summary>
    static int SubmitToSlurm(ParseResult p, SlurmFlags slurm, RunOptions run, ResolvedRecipe resolved, string outDir, string? dataRoot, bool dry, bool json)
    {
        var resources = slurm.Resources(p);
        if (!dry && !Slurm.Available)
            throw new SlurmException("sbatch is not on the PATH: run this on a Slurm login node (or start tools/slurm-local), or add --dry-run to see the scripts");
        if (!dry)
        {
            // The runs exist before their jobs do (their slurm/ folders hold the scripts): create each, training nothing.
            var progress = new ConsoleProgress(json);
            var env = run.Environment(p, progress);
            foreach (var step in resolved.Plan.Steps.Where(st => st.IsTrunk))
            {
                var kind = step.Command == "find" ? RunKind.Lottery : RunKind.OneShot;
                var definition = LotteryCommands.Define(kind);
                var (h, seed, rewind) = definition.Trunk.Build(definition.Command.Parse(step.Flags.ToArray()));
                using var experiment = Api.Experiment.Create(env, h, seed, rewind);
                experiment.Prepare(kind);
            }
        }
        bool threadsGiven = p.GetResult(run.Threads) is { Implicit: false };
        var planned = new List<PlannedJob>();
        var lastOnRun = new Dictionary<string, string>();
        foreach (var step in resolved.Plan.Steps)
        {
            var runDir = resolved.Runs[step.Id];
            var job = resolved.Jobs.First(j => j.Step == step);
            // The job's own arguments, less the replicate (the script sets it from the array task).
            var args = job.Arguments.ToList();
            int at = args.IndexOf("--replicate");
            args.RemoveRange(at, 2);
            var on = new List<string>();
            if (!step.IsTrunk) on.Add(step.On!);
            if (lastOnRun.TryGetValue(runDir, out var before) && !on.Contains(before)) on.Add(before);
            lastOnRun[runDir] = step.Id;
            planned.Add(new PlannedJob(SlurmSubmission.Script(step.Command, runDir, $"{step.Command}.{Path.GetFileName(runDir)}", resolved.Replicates, resources, args, threadsGiven),
                on.Count > 0 ? "aftercorr" : null, on, [runDir], step.Id));
        }
        var reportArgs = new List<string> { "reproduce", resolved.Recipe.Name, "--scale", resolved.Plan.Scale.Name, "--replicates",
            resolved.Replicates.Count.ToString(CultureInfo.InvariantCulture), "--report-only", "--out", outDir, "--runs-dir", Path.GetDirectoryName(resolved.RunDirectories[0])! };
        if (dataRoot is not null) reportArgs.AddRange(["--data-root", dataRoot]);
        var home = resolved.RunDirectories[0];
        planned.Add(new PlannedJob(SlurmSubmission.Script("reproduce", home, $"reproduce.{resolved.Recipe.Name}", null, resources with { SignalSeconds = 0 }, reportArgs, threadsGiven),
            "afterany", planned.Select(j => j.Key).ToList(), resolved.RunDirectories, "report"));
        return SlurmSubmission.Submit(planned, dry, json);
    }
}
