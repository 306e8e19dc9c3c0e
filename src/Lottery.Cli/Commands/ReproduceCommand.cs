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
        var figures = new Argument<string[]>("figure")
        {
            Description = $"The recipe: {string.Join(", ", RecipeRegistry.All.Select(r => r.Name))}; several, or all, run as one queue " +
                          "(a run two recipes share trains once; each report is written as soon as its recipe's runs are)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        // The figures take any number of words, so a flag this command lacks would be read as a figure: name it as a flag.
        figures.Validators.Add(result =>
        {
            if (result.Tokens.FirstOrDefault(t => t.Value.StartsWith('-')) is { } flag) result.AddError($"Unrecognized command or argument '{flag.Value}'.");
        });
        var scale = new Option<string>("--scale") { Description = "paper (the paper's setup), cpu (a stated shortening: within 3 hours on 2 cores) or smoke (minutes, a pipeline check)", DefaultValueFactory = _ => "cpu" };
        var replicates = Flags.Integer("--replicates", "Replicates of every step (default: the scale's: 5 for paper, the recipe's for cpu, 1 for smoke)", min: 1);
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the jobs (the exact commands), what is already finished and the projected time; run and write nothing" };
        var list = new Option<bool>("--list") { Description = "Describe every recipe: what it runs, how many stages and the projected time at each scale" };
        var reportOnly = new Option<bool>("--report-only") { Description = "Train nothing: write the report of the recipe's finished stages" };
        var output = Flags.Text("--out", "Where the report goes (default: reproduce/FIGURE-SCALE; with several figures, the folder that holds each FIGURE-SCALE, default reproduce); job logs go in its logs/");
        var jobs = Flags.Integer("--jobs", $"Jobs at once on this machine (default: its cores, {Environment.ProcessorCount})", min: 1);
        var order = new Option<string>("--order")
        {
            Description = "Which ready job starts first in a queue of several figures: " + string.Join("; ", QueueOrder.All.Select(o => $"{o.Name} ({o.Description})")),
            DefaultValueFactory = _ => QueueOrder.Listed.Name,
        };
        var run = new RunOptions();
        var command = new Command("reproduce", slurm is null
            ? "Reproduce a figure of the paper: its recipe's runs (reused where they exist), then a report laid out as the paper's figure"
            : "Submit a figure's recipe as Slurm job arrays (branches after their trunk, the report last)")
            { figures, scale, replicates, dryRun, list, reportOnly, output, jobs, order, run.DataRoot, run.RunsDir, run.Threads, run.Json, run.NoTensorBoard, run.Sparse };
        if (slurm is not null)
        {
            command.Options.Remove(dryRun);
            command.Options.Remove(list);
            command.Options.Remove(reportOnly);
            command.Options.Remove(jobs);
            command.Options.Remove(order);   // Slurm starts what is ready in its own order
            foreach (var o in slurm.All) command.Options.Add(o);
        }
        command.SetAction(p =>
        {
            bool json = p.GetValue(run.Json);
            var s = Scale.Parse(p.GetValue(scale)!);
            var queueOrder = slurm is null ? QueueOrder.Parse(p.GetValue(order)!) : QueueOrder.Listed;
            if (slurm is null && p.GetValue(list)) return List(json, p.GetValue(jobs) ?? Environment.ProcessorCount);
            var recipes = Recipes(p.GetValue(figures) ?? []);
            bool dry = slurm is null ? p.GetValue(dryRun) : p.GetValue(slurm.DryRun);
            var root = dry ? CliRuntime.RunsRoot(p.GetValue(run.RunsDir)) : CliRuntime.WritableRunsRoot(p.GetValue(run.RunsDir));
            var outOption = p.GetValue(output);
            if (outOption is not null && File.Exists(outOption)) throw new HparamsException($"--out {Path.GetFullPath(outOption)} is a file: give a directory");
            string OutOf(Recipe r) => Path.GetFullPath(recipes.Count == 1 && outOption is not null ? outOption : Path.Combine(outOption ?? "reproduce", $"{r.Name}-{s.Name}"));
            foreach (var r in recipes)
                if (File.Exists(OutOf(r))) throw new HparamsException($"--out {OutOf(r)} is a file: give a directory");
            var dataRoot = p.GetValue(run.DataRoot) is { } d ? Path.GetFullPath(d) : null;
            int threads = p.GetValue(run.Threads) ?? 1;
            var jobArgs = new List<string> { "--runs-dir", root };
            if (dataRoot is not null) jobArgs.AddRange(["--data-root", dataRoot]);
            if (slurm is null || p.GetResult(run.Threads) is { Implicit: false }) jobArgs.AddRange(["--threads", threads.ToString(CultureInfo.InvariantCulture)]);
            if (p.GetValue(run.NoTensorBoard)) jobArgs.Add("--no-tensorboard");
            if (p.GetResult(run.Sparse) is { Implicit: false }) jobArgs.AddRange(["--sparse", p.GetValue(run.Sparse)!]);
            var resolved = recipes.Select(r => (Resolved: ResolvedRecipe.Resolve(r, s, p.GetValue(replicates), root, jobArgs), OutDirectory: OutOf(r))).ToList();
            if (slurm is not null) return SubmitToSlurm(p, slurm, run, resolved, dataRoot, dry, json);
            // The report job writes the report in a process of its own, with the jobs' roots. One recipe's report runs last,
            // alone: unless --threads was given it measures training accuracy on every core; in a queue of several, other
            // recipes' jobs still train beside it, so it keeps the jobs' one thread.
            var reportArgs = recipes.Count == 1 && p.GetResult(run.Threads) is not { Implicit: false }
                ? jobArgs.Where((a, i) => a != "--threads" && (i == 0 || jobArgs[i - 1] != "--threads")).ToList() : jobArgs;
            var queue = new RecipeQueue(resolved, (r, outDir) => ["reproduce", r.Recipe.Name, "--scale", s.Name, "--replicates",
                r.Replicates.Count.ToString(CultureInfo.InvariantCulture), "--report-only", "--out", outDir, .. reportArgs]);
            int workers = p.GetValue(jobs) ?? Environment.ProcessorCount;
            if (dry) return DryRun(queue, workers, queueOrder, json);
            var ranks = queueOrder.Ranks(queue);

            IReadOnlyList<LocalScheduler.Result> results = [];
            if (!p.GetValue(reportOnly))
            {
                int training = queue.Jobs.Count(j => !j.IsReport);
                var seconds = JobSeconds(queue.Jobs, remaining: true);
                Console.Error.WriteLine($"{string.Join(", ", queue.Recipes.Select(e => e.Name))} at the {s.Name} scale: {training} job{(training == 1 ? "" : "s")} " +
                    $"and {(recipes.Count == 1 ? "the report" : $"{recipes.Count} reports")} on {workers} worker{(workers == 1 ? "" : "s")}, " +
                    $"{threads} thread{(threads == 1 ? "" : "s")} each{(recipes.Count > 1 ? $", {queueOrder.Name} order" : "")}; " +
                    $"projected {Projection.Duration(Projection.WallSeconds(queue.Jobs, seconds, workers, ranks))}");
                results = new LocalScheduler(queue.Jobs, workers, queue.LogOf, SlurmSubmission.ProgramCommand(), Console.Error.WriteLine, seconds, ranks).Run();
            }
            // Each recipe's report: its job wrote it; where that job did not run (--report-only, or a job it waits for failed or
            // was stopped), it is written here from the stages that finished.
            var tables = new List<(RecipeQueue.Entry Entry, JsonObject Table)>();
            foreach (var e in queue.Recipes)
            {
                var outcome = results.FirstOrDefault(r => r.Job.Id == e.ReportId)?.Outcome;
                if (outcome == JobOutcome.Done) tables.Add((e, ReadTable(e.OutDirectory)));
                else if (outcome != JobOutcome.Failed && (recipes.Count == 1 || e.Resolved.RunDirectories.Any(Exists)))
                    tables.Add((e, ReportWriter.Json(WriteReport(p, run, e.Resolved, e.OutDirectory, json))));
            }
            var failed = results.Where(r => r.Outcome == JobOutcome.Failed || (r.Outcome == JobOutcome.Blocked && !r.Job.IsReport)).ToList();
            var interrupted = results.Where(r => r.Outcome == JobOutcome.Interrupted && !r.Job.IsReport).ToList();
            Print(tables, results, recipes.Count > 1, json);
            if (interrupted.Count > 0)
                throw new CommandInterruptedException($"interrupted: {results.Count(r => r.Outcome is JobOutcome.Done or JobOutcome.Reused)} of {results.Count} jobs finished " +
                    $"(the report{(recipes.Count == 1 ? " shows" : "s show")} their stages); re-run the same command to continue (finished stages are skipped, stopped ones resume from their checkpoints)");
            if (failed.Count > 0)
                throw new RunFileException($"{failed.Count} of {results.Count} jobs did not finish: {string.Join(", ", failed.Select(f => f.Job.Id + (f.Log is null ? " (waits for a failed job)" : $" (log: {f.Log})")))}; " +
                    $"the report{(recipes.Count == 1 ? " shows" : "s show")} what finished; fix the cause and re-run the same command (finished stages are skipped)");
            return 0;
        });
        return command;
    }

    /// <summary>The figures named: recipes by name, or `all` alone for every recipe; each once, in the order given.</summary>
    static List<Recipe> Recipes(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
            throw new HparamsException($"name the figure to reproduce: {string.Join(", ", RecipeRegistry.All.Select(r => r.Name))}, or all (`lottery reproduce --list` describes them)");
        if (names.Contains("all"))
            return names.Count == 1 ? RecipeRegistry.All.ToList()
                : throw new HparamsException($"'all' is every recipe: give it alone, or name the figures ({string.Join(' ', names)})");
        return names.Select(RecipeRegistry.Get).DistinctBy(r => r.Name).ToList();
    }

    static bool Exists(string run) => File.Exists(Path.Combine(run, "manifest.json"));

    /// <summary>The report a report job wrote, as `--json` prints it (the same object as its table.json).</summary>
    static JsonObject ReadTable(string outDirectory)
    {
        var file = Path.Combine(outDirectory, "table.json");
        try { return JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new RunFileException($"{file} is not a JSON object"); }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            throw new RunFileException($"the report job finished but {file} cannot be read ({e.Message}): rerun with --report-only");
        }
    }

    /// <summary>Each job's projected seconds: what it still has to run, or all of it (a report job: none).</summary>
    static Dictionary<string, double> JobSeconds(IReadOnlyList<RecipeJob> jobs, bool remaining)
    {
        var measured = BenchCache.Measured();
        return jobs.ToDictionary(j => j.Id, j => Projection.JobSeconds(j, measured, remaining) ?? 0);
    }

    static string SpeedSource(IEnumerable<RecipeJob> jobs)
    {
        var measured = BenchCache.Measured();
        var sources = jobs.Select(j => Projection.SpeedOf(j.Hparams.Model.Model, j.Hparams.Dataset.BatchSize, measured)?.Source ?? "unknown").Distinct().ToList();
        return sources.All(x => x.StartsWith("reference", StringComparison.Ordinal))
            ? "speeds of the project's 2-core VM (run `lottery bench --threads 1` to project from this machine's)"
            : $"speeds from {string.Join("; ", sources)}";
    }

    static Report WriteReport(ParseResult p, RunOptions run, ResolvedRecipe resolved, string outDir, bool json)
    {
        var runs = resolved.RunDirectories.Where(Exists).ToList();
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

    /// <summary>Each report written (its claims beside the paper's, or with --json its table.json object), then, with --json,
    /// every job's outcome. One recipe prints its report's object itself; several print {"recipes": […], "jobs": […]}.</summary>
    static void Print(IReadOnlyList<(RecipeQueue.Entry Entry, JsonObject Table)> tables, IReadOnlyList<LocalScheduler.Result> results, bool several, bool json)
    {
        if (json)
        {
            var reports = tables.Select(t =>
            {
                var o = t.Table.DeepClone().AsObject();
                o["report"] = Path.Combine(t.Entry.OutDirectory, "report.html");
                o["scale"] = t.Entry.Resolved.Plan.Scale.Name;
                o["run_dirs"] = new JsonArray(t.Entry.Resolved.RunDirectories.Select(r => (JsonNode)r).ToArray());
                return o;
            }).ToList();
            var jobs = new JsonArray(results.Select(r => (JsonNode)new JsonObject
            {
                ["id"] = r.Job.Id, ["outcome"] = r.Outcome.ToString().ToLowerInvariant(), ["seconds"] = r.Elapsed.TotalSeconds,
                ["exit_code"] = r.ExitCode, ["log"] = r.Log, ["command"] = r.Job.CommandLine,
            }).ToArray());
            if (!several)
            {
                reports[0]["jobs"] = jobs;
                Output.Print(reports[0]);
            }
            else Output.Print(new JsonObject { ["recipes"] = new JsonArray(reports.Select(r => (JsonNode)r).ToArray()), ["jobs"] = jobs });
            return;
        }
        foreach (var (entry, table) in tables)
        {
            var recipe = entry.Resolved.Recipe;
            Console.WriteLine($"{recipe.Title} ({recipe.Figures}), {entry.Resolved.Plan.Scale.Name} scale:");
            if (table["recipe"]?["paper_against_ours"] is JsonArray claims && claims.Count > 0)
            {
                var text = new TextTable().Shrinkable("quantity", 16).Shrinkable("the paper", 16).Shrinkable("this run", 24);
                foreach (var c in claims) text.Add(c?["quantity"]?.GetValue<string>() ?? "", c?["paper"]?.GetValue<string>() ?? "", c?["ours"]?.GetValue<string>() ?? "");
                text.Write();
            }
            Console.WriteLine($"report: {Path.Combine(entry.OutDirectory, "report.html")}");
        }
    }

    static int DryRun(RecipeQueue queue, int workers, QueueOrder order, bool json)
    {
        var ranks = order.Ranks(queue);
        var measured = BenchCache.Measured();
        var trainingJobs = queue.Jobs.Where(j => !j.IsReport).ToList();
        var finished = trainingJobs.ToDictionary(j => j.Id, j => j.FinishedStages());
        var seconds = trainingJobs.ToDictionary(j => j.Id, j => Projection.JobSeconds(j, measured, remaining: true));
        double all = Projection.WallSeconds(queue.Jobs, JobSeconds(queue.Jobs, remaining: false), workers, ranks);
        // When each report would be written, counted from now (what remains).
        var ends = Projection.Finishes(queue.Jobs, JobSeconds(queue.Jobs, remaining: true), workers, ranks);
        double left = ends.Values.DefaultIfEmpty(0).Max();
        int stages = trainingJobs.Sum(j => j.Step.StagesPerReplicate), done = finished.Values.Sum();
        bool several = queue.Recipes.Count > 1;
        JsonObject Row(RecipeJob job) => new()
        {
            ["id"] = job.Id, ["command"] = new JsonArray(job.Arguments.Select(a => (JsonNode)a).ToArray()), ["run"] = job.Run,
            ["after"] = new JsonArray(job.After.Select(a => (JsonNode)a).ToArray()), ["stages"] = job.Step.StagesPerReplicate,
            ["finished_stages"] = finished[job.Id], ["remaining_seconds"] = seconds[job.Id],
        };
        if (json)
        {
            var recipes = queue.Recipes.Select(e => new JsonObject
            {
                ["recipe"] = e.Name, ["scale"] = e.Resolved.Plan.Scale.Name, ["note"] = e.Resolved.Note, ["replicates"] = e.Resolved.Replicates.Count,
                ["stages"] = e.Resolved.Jobs.Sum(j => j.Step.StagesPerReplicate),
                ["finished_stages"] = e.QueuedIds.Values.Distinct().Sum(id => finished[id]),
                ["jobs"] = new JsonArray(e.Resolved.Jobs.Select(j => queue.Job(e.QueuedIds[j.Id]) is var q && queue.QueuedUnder(q.Id) == e.Name
                    ? (JsonNode)Row(q) : new JsonObject { ["id"] = several ? $"{e.Name}/{j.Id}" : j.Id, ["same_as"] = q.Id }).ToArray()),
                ["commands"] = new JsonArray(e.Resolved.Commands(e.OutDirectory).Select(c => (JsonNode)c).ToArray()),
                ["report"] = Path.Combine(e.OutDirectory, "report.html"),
                ["report_after_seconds"] = ends[e.ReportId],
            }).ToList();
            var totals = new JsonObject
            {
                ["dry_run"] = true, ["workers"] = workers, ["order"] = order.Name, ["stages"] = stages, ["finished_stages"] = done,
                ["projected_seconds"] = all, ["remaining_seconds"] = left, ["speeds"] = SpeedSource(trainingJobs),
            };
            if (several) totals["recipes"] = new JsonArray(recipes.Select(r => (JsonNode)r).ToArray());
            else foreach (var (key, value) in recipes[0]) totals[key] = value?.DeepClone();
            Output.Print(totals);
            return 0;
        }
        foreach (var e in queue.Recipes)
        {
            var resolved = e.Resolved;
            Console.WriteLine($"{resolved.Recipe.Name} ({resolved.Recipe.Figures}) at the {resolved.Plan.Scale.Name} scale: {resolved.Recipe.Title}");
            Console.WriteLine(resolved.Note);
            Console.WriteLine();
            foreach (var own in resolved.Jobs)
            {
                var job = queue.Job(e.QueuedIds[own.Id]);
                if (queue.QueuedUnder(job.Id) != e.Name)
                {
                    Console.WriteLine($"{e.Name}/{own.Id}: the same command as {job.Id}, run once");
                    continue;
                }
                int f = finished[job.Id];
                var state = f >= job.Step.StagesPerReplicate ? "all finished: reused" : f > 0 ? $"{f} finished: reused" : "none finished";
                var after = job.After.Count == 0 ? "" : $", after {string.Join(", ", job.After)}";
                Console.WriteLine($"{job.Id}: {job.Step.StagesPerReplicate} stage{(job.Step.StagesPerReplicate == 1 ? "" : "s")} ({state}){after}, ~{Projection.Duration(seconds[job.Id] ?? 0)}");
                Console.WriteLine($"  {job.CommandLine}");
            }
            Console.WriteLine($"then the report: {Path.Combine(e.OutDirectory, "report.html")}" + (several ? $" (projected {Projection.Duration(ends[e.ReportId])} from now)" : ""));
            if (several) Console.WriteLine();
        }
        int shared = queue.Recipes.Sum(e => e.QueuedIds.Count) - trainingJobs.Count;
        Console.WriteLine($"{trainingJobs.Count} jobs, {stages} stages ({done} finished){(shared > 0 ? $"; {shared} job{(shared == 1 ? "" : "s")} shared between recipes, run once" : "")}; " +
            $"projected on {workers} worker{(workers == 1 ? "" : "s")}{(several ? $", {order.Name} order" : "")}: {Projection.Duration(all)} from scratch, {Projection.Duration(left)} for what remains ({SpeedSource(trainingJobs)}).");
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
    /// job before it on the same run, which holds the same replicates' locks); each recipe's report after everything it
    /// reports on ends. With several recipes a step two of them share (the same command on the same run and replicates) is
    /// submitted once, and the recipes' names prefix the jobs' (conv4/iterative).</summary>
    static int SubmitToSlurm(ParseResult p, SlurmFlags slurm, RunOptions run, IReadOnlyList<(ResolvedRecipe Resolved, string OutDirectory)> recipes, string? dataRoot, bool dry, bool json)
    {
        var resources = slurm.Resources(p);
        if (!dry && !Slurm.Available)
            throw new SlurmException("sbatch is not on the PATH: run this on a Slurm login node (or start tools/slurm-local), or add --dry-run to see the scripts");
        if (!dry)
        {
            // The runs exist before their jobs do (their slurm/ folders hold the scripts): create each, training nothing.
            var progress = new ConsoleProgress(json);
            var env = run.Environment(p, progress);
            foreach (var step in recipes.SelectMany(r => r.Resolved.Plan.Steps).Where(st => st.IsTrunk))
            {
                var kind = step.Command == "find" ? RunKind.Lottery : RunKind.OneShot;
                var definition = LotteryCommands.Define(kind);
                var (h, seed, rewind) = definition.Trunk.Build(definition.Command.Parse(step.Flags.ToArray()));
                using var experiment = Api.Experiment.Create(env, h, seed, rewind);
                experiment.Prepare(kind);
            }
        }
        bool threadsGiven = p.GetResult(run.Threads) is { Implicit: false };
        bool several = recipes.Count > 1;
        var planned = new List<PlannedJob>();
        var lastOnRun = new Dictionary<string, string>();
        var submittedAs = new Dictionary<string, string>(StringComparer.Ordinal);   // a step's command on its run → its job's key
        foreach (var (resolved, outDir) in recipes)
        {
            string Key(string id) => several ? $"{resolved.Recipe.Name}/{id}" : id;
            var keys = new Dictionary<string, string>();   // the recipe's step id → the key of the job that runs it
            foreach (var step in resolved.Plan.Steps)
            {
                var runDir = resolved.Runs[step.Id];
                var job = resolved.Jobs.First(j => j.Step == step);
                // The job's own arguments, less the replicate (the script sets it from the array task).
                var args = job.Arguments.ToList();
                int at = args.IndexOf("--replicate");
                args.RemoveRange(at, 2);
                // The same command over other replicates is another array (the arrays that lock the same directories of a run wait
                // for each other, as the local scheduler's jobs of one lock do: see lastOnRun).
                var command = string.Join('\0', args.Prepend(runDir).Prepend(string.Join(',', resolved.Replicates)));
                if (submittedAs.TryGetValue(command, out var shared)) { keys[step.Id] = shared; continue; }
                var key = keys[step.Id] = submittedAs[command] = Key(step.Id);
                var on = new List<string>();
                if (!step.IsTrunk) on.Add(keys[step.On!]);
                var locks = $"{runDir}#{step.LockScope}";
                if (lastOnRun.TryGetValue(locks, out var before) && !on.Contains(before)) on.Add(before);
                lastOnRun[locks] = key;
                planned.Add(new PlannedJob(SlurmSubmission.Script(step.Command, runDir, $"{step.Command}.{Path.GetFileName(runDir)}", resolved.Replicates, resources, args, threadsGiven),
                    on.Count > 0 ? "aftercorr" : null, on, [runDir], key));
            }
            var reportArgs = new List<string> { "reproduce", resolved.Recipe.Name, "--scale", resolved.Plan.Scale.Name, "--replicates",
                resolved.Replicates.Count.ToString(CultureInfo.InvariantCulture), "--report-only", "--out", outDir, "--runs-dir", Path.GetDirectoryName(resolved.RunDirectories[0])! };
            if (dataRoot is not null) reportArgs.AddRange(["--data-root", dataRoot]);
            var home = resolved.RunDirectories[0];
            planned.Add(new PlannedJob(SlurmSubmission.Script("reproduce", home, $"reproduce.{resolved.Recipe.Name}", null, resources with { SignalSeconds = 0 }, reportArgs, threadsGiven),
                "afterany", keys.Values.Distinct().ToList(), resolved.RunDirectories, Key("report")));
        }
        return SlurmSubmission.Submit(planned, dry, json);
    }
}
