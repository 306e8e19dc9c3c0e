using System.CommandLine;
using System.CommandLine.Parsing;
using System.Reflection;
using System.Text.Json.Nodes;
using Lottery.Cluster;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Runs;

namespace Lottery.Cli;

/// <summary>One job to submit: its script, the jobs it waits for (other planned jobs by kind, or real job ids) and
/// the runs whose job ledger records it.</summary>
/// <param name="Dependency">"aftercorr" (task i after task i succeeded) or "afterany" (after all ended), or null.</param>
/// <param name="On">The planned jobs waited for, by <see cref="Key"/>, or real job ids.</param>
/// <param name="Name">How other planned jobs refer to this one (default: its kind, unique within one submission of a
/// run; a recipe's jobs are named by their steps).</param>
public sealed record PlannedJob(JobScript Script, string? Dependency, IReadOnlyList<string> On, IReadOnlyList<string> RecordIn, string? Name = null)
{
    public string Kind => Script.Kind;
    public string Key => Name ?? Script.Kind;
}

/// <summary>
/// Turns a `lottery slurm …` command into job scripts and submits them in order, each with its dependency on the
/// ones before: writes the scripts into the run's slurm/ folder, calls sbatch, records each job in slurm/jobs.jsonl.
/// With --dry-run it prints the scripts and the equivalent shell commands instead and writes nothing.
/// </summary>
public static class SlurmSubmission
{
    /// <summary>How this process was started, so that jobs start the same program: the `lottery` executable, or
    /// dotnet and the assembly.</summary>
    public static IReadOnlyList<string> ProgramCommand()
    {
        var process = Environment.ProcessPath ?? throw new SlurmException("cannot tell this program's path: run lottery by its path");
        var entry = Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && !string.IsNullOrEmpty(entry) ? [process, entry] : [process];
    }

    /// <summary>The arguments the user gave, for the local command the jobs run: every option given explicitly that
    /// <paramref name="keep"/> keeps (not Slurm's own, nor what the job sets itself: replicate, runs and data roots).</summary>
    public static List<string> Forwarded(ParseResult p, Func<Option, bool> keep)
    {
        var args = new List<string>();
        foreach (var child in p.CommandResult.Children)
        {
            if (child is not OptionResult o || o.Implicit || !keep(o.Option)) continue;
            var tokens = o.Tokens.Select(t => t.Value).ToList();
            if (tokens.Count == 0) { args.Add(o.Option.Name); continue; }
            foreach (var t in tokens) args.AddRange([o.Option.Name, t]);
        }
        return args;
    }

    public static JobScript Script(string kind, string home, string jobName, IReadOnlyList<int>? tasks, SlurmResources resources, List<string> args, bool threadsGiven) =>
        new(kind, home, jobName, tasks, resources, Directory.GetCurrentDirectory(), ProgramCommand(), args, threadsGiven,
            "lottery " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Select(JobScript.Quote)),
            Api.Experiment.Versions()["lottery"]);

    /// <summary>Refuses to queue a second copy of work already queued or running: the later copy would only fail on
    /// the replicate's lock, or wait behind it.</summary>
    /// <param name="jobs">The run's tasks as <see cref="JobStatus.Of"/> read them.</param>
    public static void RefuseDuplicates(string runDirectory, IReadOnlyList<Cluster.TaskStatus> jobs, string kind, IReadOnlyList<int>? tasks)
    {
        var live = jobs.Where(t => t.Kind == kind && t.Live && (tasks is null || t.Task is null || tasks.Contains(t.Task.Value))).ToList();
        if (live.Count == 0) return;
        var ids = string.Join(", ", live.Select(t => $"{t.Id} ({t.State.ToLowerInvariant()})"));
        throw new SlurmException($"{kind} of {Path.GetFileName(runDirectory)} is already queued or running as Slurm job{(live.Count == 1 ? "" : "s")} {ids}: " +
            $"wait for it (`lottery show {Path.GetFileName(runDirectory)}`), or `scancel {live[0].JobId}` first");
    }

    /// <summary>Options a job sets itself or that only matter to the submitting process.</summary>
    static Func<Option, bool> NotOwn(SlurmFlags slurm, RunOptions run, params Option[] more)
    {
        var own = slurm.All.Concat([run.Replicate, run.Replicates, run.RunsDir, run.DataRoot, run.Json]).Concat(more).ToHashSet();
        return o => !own.Contains(o);
    }

    /// <summary>Where the jobs find runs and data: the run's own runs root, and the data root given (made absolute) or,
    /// when none was given, the one the run recorded when it was created, so every job reads the same files.</summary>
    static List<string> Roots(ParseResult p, RunOptions run, string runDirectory, string? recordedDataRoot)
    {
        var args = new List<string> { "--runs-dir", Path.GetDirectoryName(runDirectory)! };
        var dataRoot = p.GetValue(run.DataRoot) is { } given ? Path.GetFullPath(given) : recordedDataRoot;
        if (dataRoot is not null) args.AddRange(["--data-root", dataRoot]);
        return args;
    }

    static bool ThreadsGiven(ParseResult p, RunOptions run) => p.GetResult(run.Threads) is { Implicit: false };

    /// <summary>`lottery slurm find|oneshot|train`: the run created (not trained) here, an array with a task per replicate,
    /// then the chained controls (each task after the same replicate's trunk task succeeded) and the report (after all).</summary>
    public static int SubmitExperiment(ParseResult p, SlurmFlags slurm, RunOptions run, Api.Experiment experiment, RunKind kind, string label, IReadOnlyList<int> replicates)
    {
        var resources = slurm.Resources(p);
        RequireSbatch(p, slurm);
        var controls = slurm.ControlList(p);
        if (controls.Count > 0 && kind == RunKind.Train)
            throw new HparamsException($"--controls applies to `lottery slurm find` and `lottery slurm oneshot`: branches attach to pruned stages, and {label} has none");
        if (p.GetResult(slurm.Draws) is { Implicit: false } && !controls.Contains("reinit"))
            throw new HparamsException("--draws applies to a chained reinit control: add --controls reinit");
        var reportOut = slurm.Chains && p.GetValue(slurm.Report) is { } o ? Path.GetFullPath(o) : null;
        if (reportOut is not null && File.Exists(reportOut)) throw new HparamsException($"--report {reportOut} is a file: give a directory");
        bool dry = p.GetValue(slurm.DryRun);
        var runDir = dry ? experiment.RunDirectory(kind) : experiment.Prepare(kind);
        var manifest = RunManifest.LoadVerified(runDir);
        if (!dry) RefuseDuplicates(runDir, JobStatus.Of(runDir), label, replicates);
        var roots = Roots(p, run, runDir, manifest.DataRoot);
        bool threads = ThreadsGiven(p, run);
        var name = Path.GetFileName(runDir);
        var trunkArgs = new List<string> { label };
        trunkArgs.AddRange(Forwarded(p, NotOwn(slurm, run)));
        trunkArgs.AddRange(roots);
        var jobs = new List<PlannedJob> { new(Script(label, runDir, $"{label}.{name}", replicates, resources, trunkArgs, threads), null, [], [runDir]) };
        // What a control accepts of the trunk's flags: where and how it runs, not what it computes (the run says that).
        var shared = new HashSet<Option> { run.CheckpointEvery, run.NoTensorBoard, run.Device, run.Threads };
        foreach (var control in controls)
        {
            var args = new List<string> { control, runDir };
            if (global::Lottery.Branches.BranchRegistry.Get(control).Options.Contains(global::Lottery.Branches.BranchOptions.DrawsOption))
                args.AddRange(["--draws", p.GetValue(slurm.Draws).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            args.AddRange(Forwarded(p, shared.Contains));
            args.AddRange(roots);
            jobs.Add(new(Script(control, runDir, $"{control}.{name}", replicates, resources, args, threads), "aftercorr", [label], [runDir]));
        }
        if (reportOut is not null)
        {
            var args = new List<string> { "report", runDir, "--out", reportOut };
            args.AddRange(Forwarded(p, new HashSet<Option> { run.Threads }.Contains));
            args.AddRange(roots);
            jobs.Add(new(Script("report", runDir, $"report.{name}", null, resources with { SignalSeconds = 0 }, args, threads), "afterany",
                jobs.Select(j => j.Key).ToList(), [runDir]));
        }
        return Submit(jobs, dry, p.GetValue(run.Json));
    }

    /// <summary>`lottery slurm BRANCH RUN`: an array over the run's replicates that waits, task by task, for the run's own
    /// queued or running trunk tasks (find or oneshot: aftercorr); with none, it starts when resources allow.</summary>
    public static int SubmitControl(ParseResult p, SlurmFlags slurm, RunOptions run, string runDir, RunManifest manifest, string control, IReadOnlyList<int>? requested)
    {
        var resources = slurm.Resources(p);
        RequireSbatch(p, slurm);
        bool dry = p.GetValue(slurm.DryRun);
        var jobs = JobStatus.Of(runDir);
        var trunk = manifest.Kind == "oneshot" ? "oneshot" : "find";
        var liveTrunk = jobs.Where(t => t.Kind == trunk && t.Live && t.Task is not null).ToList();
        var present = new RunLayout(runDir).Replicates().ToList();
        var lastTrunk = JobLedger.Read(runDir).LastOrDefault(r => r.Kind == trunk)?.Tasks;
        var replicates = requested
            ?? (liveTrunk.Count > 0 ? liveTrunk.Select(t => t.Task!.Value).Distinct().Order().ToList() : null)
            ?? (present.Count > 0 ? present : lastTrunk)
            ?? throw new RunFileException($"{Path.GetFileName(runDir)} has no replicate yet and no {trunk} job: run `lottery slurm {trunk}` (or `lottery {trunk}`) first");
        if (!dry) RefuseDuplicates(runDir, jobs, control, replicates);
        var args = new List<string> { control, runDir };
        args.AddRange(Forwarded(p, NotOwn(slurm, run)));
        args.AddRange(Roots(p, run, runDir, manifest.DataRoot));
        var on = liveTrunk.Select(t => t.JobId).Distinct().ToList();
        var job = new PlannedJob(Script(control, runDir, $"{control}.{Path.GetFileName(runDir)}", replicates, resources, args, ThreadsGiven(p, run)),
            on.Count > 0 ? "aftercorr" : null, on, [runDir]);
        return Submit([job], dry, p.GetValue(run.Json));
    }

    /// <summary>`lottery slurm report [RUN…] --out DIR`: one job after every queued or running job of the runs named
    /// (or of every run under the root when the runs are selected by filters).</summary>
    public static int SubmitReport(ParseResult p, SlurmFlags slurm, RunOptions run, string runsRoot, IReadOnlyList<string> named, string outDir, Option output)
    {
        var resources = slurm.Resources(p) with { SignalSeconds = 0 };
        RequireSbatch(p, slurm);
        bool dry = p.GetValue(slurm.DryRun);
        var runs = named.Select(n => RunCatalog.Resolve(runsRoot, n)).Distinct().ToList();
        var watched = runs.Count > 0 ? runs : RunCatalog.List(runsRoot);
        var on = watched.SelectMany(JobStatus.Of).Where(t => t.Live).Select(t => t.JobId).Distinct().ToList();
        var home = runs.Count > 0 ? runs[0] : Path.GetFullPath(outDir);
        var args = new List<string> { "report" };
        args.AddRange(runs);
        args.AddRange(Forwarded(p, NotOwn(slurm, run, output)));
        args.AddRange(["--out", Path.GetFullPath(outDir), "--runs-dir", runsRoot]);
        if (p.GetValue(run.DataRoot) is { } dataRoot) args.AddRange(["--data-root", Path.GetFullPath(dataRoot)]);
        var name = runs.Count == 1 ? Path.GetFileName(runs[0]) : Path.GetFileName(Path.GetFullPath(outDir).TrimEnd('/'));
        var job = new PlannedJob(Script("report", home, $"report.{name}", null, resources, args, ThreadsGiven(p, run)), on.Count > 0 ? "afterany" : null, on, runs);
        return Submit([job], dry, p.GetValue(run.Json));
    }

    /// <summary>Checked before anything is created: without sbatch only --dry-run can work.</summary>
    static void RequireSbatch(ParseResult p, SlurmFlags slurm)
    {
        if (!p.GetValue(slurm.DryRun) && !Slurm.Available)
            throw new SlurmException("sbatch is not on the PATH: run this on a Slurm login node (or start tools/slurm-local), or add --dry-run to see the scripts");
    }

    public static int Submit(IReadOnlyList<PlannedJob> jobs, bool dryRun, bool json)
    {
        if (dryRun) return Print(jobs, json);
        var ids = new Dictionary<string, string>();
        var submitted = new JsonArray();
        foreach (var job in jobs)
        {
            AtomicFile.WriteAllText(job.Script.Path, job.Script.Text());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(job.Script.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead);
            Directory.CreateDirectory(Path.GetDirectoryName(job.Script.LogPattern)!);
            var dependency = job.Dependency is null || job.On.Count == 0 ? null
                : $"{job.Dependency}:{string.Join(':', job.On.Select(o => ids.GetValueOrDefault(o, o)))}";
            var id = Slurm.Submit(job.Script.Path, dependency);
            ids[job.Key] = id;
            var record = new JobRecord(id, job.Kind, job.Script.Tasks, job.Script.Path, job.Script.LogPattern, dependency, DateTimeOffset.UtcNow, RunLock.HostName);
            foreach (var run in job.RecordIn) JobLedger.Append(run, record);
            submitted.Add(new JsonObject
            {
                ["kind"] = job.Kind, ["name"] = job.Key, ["job_id"] = id,
                ["tasks"] = job.Script.Tasks is null ? null : TaskList.Format(job.Script.Tasks),
                ["script"] = job.Script.Path, ["log"] = job.Script.LogPattern, ["dependency"] = dependency,
            });
            if (!json)
                Console.WriteLine($"submitted {job.Key} as Slurm job {id}" +
                    (job.Script.Tasks is null ? "" : $" (array {TaskList.Format(job.Script.Tasks)}: one task per replicate)") +
                    (dependency is null ? "" : job.Dependency == "aftercorr" ? $", each task after the same replicate's task of job {string.Join(", ", job.On.Select(o => ids.GetValueOrDefault(o, o)))} succeeds"
                        : $", after job{(job.On.Count == 1 ? "" : "s")} {string.Join(", ", job.On.Select(o => ids.GetValueOrDefault(o, o)))} end") +
                    $": {job.Script.Path}");
        }
        var runs = jobs.SelectMany(j => j.RecordIn).Distinct().ToList();
        if (json) Output.Print(new JsonObject { ["run_dirs"] = new JsonArray(runs.Select(r => (JsonNode)r).ToArray()), ["jobs"] = submitted });
        else
            foreach (var run in runs)
                Console.WriteLine($"logs: {Path.Combine(JobScript.SlurmFolder(run), "logs")}; follow it with `lottery show {Path.GetFileName(run)}` or `lottery runs`");
        return 0;
    }

    /// <summary>--dry-run: each script, then the commands that would submit them, as a shell snippet that works.</summary>
    static int Print(IReadOnlyList<PlannedJob> jobs, bool json)
    {
        static string Var(string key) => new string(key.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray()) + "_job";
        var commands = new List<string>();
        foreach (var job in jobs)
        {
            var dependency = job.Dependency is null || job.On.Count == 0 ? ""
                : $" --dependency={job.Dependency}:{string.Join(':', job.On.Select(o => jobs.Any(j => j.Key == o) ? $"${Var(o)}" : o))} --kill-on-invalid-dep=yes";
            commands.Add($"{Var(job.Key)}=$(sbatch --parsable{dependency} {JobScript.Quote(job.Script.Path)})");
        }
        if (json)
        {
            Output.Print(new JsonObject
            {
                ["dry_run"] = true,
                ["scripts"] = new JsonArray(jobs.Select(j => (JsonNode)new JsonObject { ["kind"] = j.Kind, ["name"] = j.Key, ["path"] = j.Script.Path, ["text"] = j.Script.Text() }).ToArray()),
                ["commands"] = new JsonArray(commands.Select(c => (JsonNode)c).ToArray()),
            });
            return 0;
        }
        foreach (var job in jobs)
        {
            Console.WriteLine($"# ---- {job.Script.Path} ----");
            Console.Write(job.Script.Text());
        }
        Console.WriteLine("# ---- submitting (dry run: nothing was written or submitted) ----");
        foreach (var c in commands) Console.WriteLine(c);
        return 0;
    }
}
