using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Lottery.Cli.Reproduce;

/// <summary>How a job ended.</summary>
public enum JobOutcome { Done, Reused, Failed, Interrupted, Blocked }

/// <summary>
/// Runs a recipe's jobs on this machine as child `lottery` processes, <see cref="Workers"/> at a time: a job starts once
/// the jobs it waits for have succeeded and no other job works on its replicate (a process locks the replicate it works
/// on); a job whose stages are all finished is not started at all. Of the jobs ready, the one heading the longest chain
/// of projected work starts first (<see cref="Projection.StartOrder"/>; <paramref name="seconds"/> are the jobs' projected
/// seconds still to run; without them, plan order), after <paramref name="ranks"/> where given (<see cref="QueueOrder.Ranks"/>:
/// a lower rank first), unless a longer chain could no longer wait (<see cref="Projection.Pick"/>). Each child writes to its
/// own log (<paramref name="logOf"/>). A report job (<see cref="RecipeJob.IsReport"/>) always runs once the jobs it waits for
/// have: it trains nothing and rewrites its recipe's report. A failed job blocks the jobs that wait for it and the others
/// go on. Ctrl-C or SIGTERM stops starting jobs and sends the running ones
/// SIGTERM (each checkpoints at its next measurement and exits); the same command resumes them.
/// </summary>
public sealed class LocalScheduler(IReadOnlyList<RecipeJob> jobs, int workers, Func<RecipeJob, string> logOf, IReadOnlyList<string> program, Action<string> say,
    IReadOnlyDictionary<string, double>? seconds = null, IReadOnlyDictionary<string, int>? ranks = null)
{
    public int Workers { get; } = Math.Max(1, workers);

    public sealed record Result(RecipeJob Job, JobOutcome Outcome, TimeSpan Elapsed, int? ExitCode, string? Log);

    [DllImport("libc", EntryPoint = "kill")]
    static extern int SendSignal(int pid, int signal);

    const int SigTerm = 15;

    public IReadOnlyList<Result> Run()
    {
        var results = new Dictionary<string, Result>();
        var running = new Dictionary<string, (Process Process, Stopwatch Clock, string Log, Task Copy)>();
        var stop = new CancellationTokenSource();
        void Stop(string why)
        {
            if (stop.IsCancellationRequested) return;
            stop.Cancel();
            say($"{why}: starting no more jobs; the {running.Count} running checkpoint at their next measurement and stop…");
            lock (running)
                foreach (var (p, _, _, _) in running.Values)
                    try { if (!p.HasExited) SendSignal(p.Id, SigTerm); } catch (InvalidOperationException) { }
        }
        void OnCancel(object? sender, ConsoleCancelEventArgs e) { if (stop.IsCancellationRequested) return; e.Cancel = true; Stop("interrupted"); }
        Console.CancelKeyPress += OnCancel;
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { if (!stop.IsCancellationRequested) { c.Cancel = true; Stop("SIGTERM"); } });
        // Each job keeps its place in the plan as its number, in every line about it.
        var number = jobs.Select((j, i) => (j.Id, i + 1)).ToDictionary(x => x.Id, x => x.Item2);
        string width = new('0', $"{jobs.Count}".Length);
        IReadOnlyDictionary<string, double> projected = seconds ?? new Dictionary<string, double>();
        var order = seconds is null && ranks is null ? jobs.ToList() : Projection.StartOrder(jobs, projected, ranks);
        var chains = Projection.Chains(jobs, projected);
        void Start(RecipeJob job)
        {
            int finished = job.FinishedStages();
            var log = logOf(job);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(log))!);
            var info = new ProcessStartInfo(program[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in program.Skip(1).Concat(job.Arguments)) info.ArgumentList.Add(a);
            var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program[0]}");
            var writer = new StreamWriter(log, append: true) { AutoFlush = true };
            writer.WriteLine($"# {DateTimeOffset.UtcNow:O} {job.CommandLine}");
            var copy = Task.WhenAll(Pump(process.StandardOutput, writer), Pump(process.StandardError, writer)).ContinueWith(_ => writer.Dispose());
            lock (running) running[job.Id] = (process, Stopwatch.StartNew(), log, copy);
            say($"[{number[job.Id].ToString(width)}/{jobs.Count}] {job.Id}: " + (job.IsReport ? "writing the report" :
                $"started ({job.Step.StagesPerReplicate - finished} of {job.Step.StagesPerReplicate} stages to train" + (finished > 0 ? $", {finished} finished already" : "") + ")") +
                $": {job.CommandLine} > {log}");
        }
        try
        {
            while (results.Count < jobs.Count)
            {
                if (!stop.IsCancellationRequested)
                {
                    // Jobs whose trunk failed or was stopped cannot run: say so once.
                    foreach (var job in jobs.Where(j => !results.ContainsKey(j.Id) && !running.ContainsKey(j.Id)))
                        if (job.After.FirstOrDefault(a => results.TryGetValue(a, out var r) && r.Outcome is JobOutcome.Failed or JobOutcome.Blocked or JobOutcome.Interrupted) is { } blocker)
                        {
                            results[job.Id] = new Result(job, JobOutcome.Blocked, TimeSpan.Zero, null, null);
                            say($"[{number[job.Id].ToString(width)}/{jobs.Count}] {job.Id}: not started, {blocker} did not finish");
                        }
                    while (running.Count < Workers)
                    {
                        var startable = order.Where(job => !results.ContainsKey(job.Id) && !running.ContainsKey(job.Id)
                            && job.After.All(a => results.TryGetValue(a, out var r) && r.Outcome is JobOutcome.Done or JobOutcome.Reused)
                            && !running.Keys.Any(k => jobs.First(j => j.Id == k).Lock == job.Lock)).ToList();
                        // A job whose stages are all finished is reused, not started (and may free the jobs that wait for it).
                        var reused = startable.Where(job => !job.IsReport && job.FinishedStages() >= job.Step.StagesPerReplicate).ToList();
                        foreach (var job in reused)
                        {
                            results[job.Id] = new Result(job, JobOutcome.Reused, TimeSpan.Zero, 0, null);
                            int n = job.Step.StagesPerReplicate;
                            say($"[{number[job.Id].ToString(width)}/{jobs.Count}] {job.Id}: its {n} stage{(n == 1 ? " is" : "s are")} finished already, nothing to run");
                        }
                        if (reused.Count > 0) continue;
                        if (startable.Count == 0) break;
                        // The work left: what has not started, and what the running jobs have still to do by the projection.
                        var left = running.Select(r => Math.Max(0, projected.GetValueOrDefault(r.Key) - r.Value.Clock.Elapsed.TotalSeconds)).ToList();
                        double work = jobs.Where(j => !results.ContainsKey(j.Id) && !running.ContainsKey(j.Id)).Sum(j => projected.GetValueOrDefault(j.Id)) + left.Sum();
                        double otherFreeIn = running.Count + 1 < Workers ? 0 : left.DefaultIfEmpty(double.PositiveInfinity).Min();
                        Start(Projection.Pick(startable, chains, projected, work, Workers, otherFreeIn));
                    }
                }
                if (running.Count == 0)
                {
                    // Stopped (or nothing startable): what never started is interrupted.
                    foreach (var job in jobs.Where(j => !results.ContainsKey(j.Id)))
                        results[job.Id] = new Result(job, stop.IsCancellationRequested ? JobOutcome.Interrupted : JobOutcome.Blocked, TimeSpan.Zero, null, null);
                    break;
                }
                Thread.Sleep(200);
                foreach (var (id, (process, clock, log, copy)) in running.ToList())
                {
                    if (!process.HasExited) continue;
                    copy.Wait();
                    int code = process.ExitCode;
                    var job = jobs.First(j => j.Id == id);
                    var outcome = code == 0 ? JobOutcome.Done : code is 130 or 143 ? JobOutcome.Interrupted : JobOutcome.Failed;
                    results[id] = new Result(job, outcome, clock.Elapsed, code, log);
                    lock (running) running.Remove(id);
                    process.Dispose();
                    say(outcome switch
                    {
                        JobOutcome.Done => $"[{number[id].ToString(width)}/{jobs.Count}] {id}: done in {Projection.Duration(clock.Elapsed.TotalSeconds)}",
                        JobOutcome.Interrupted => $"[{number[id].ToString(width)}/{jobs.Count}] {id}: stopped after {Projection.Duration(clock.Elapsed.TotalSeconds)} (its checkpoint is kept)",
                        _ => $"[{number[id].ToString(width)}/{jobs.Count}] {id}: FAILED (exit {code}) after {Projection.Duration(clock.Elapsed.TotalSeconds)}: {LastLine(log)} (log: {log})",
                    });
                }
            }
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
        return jobs.Select(j => results[j.Id]).ToList();
    }

    static async Task Pump(StreamReader from, StreamWriter to)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await from.ReadAsync(buffer)) > 0)
            lock (to) to.Write(buffer, 0, n);
    }

    /// <summary>The child's last error line (its "error: …"), for the one-line failure message.</summary>
    static string LastLine(string log)
    {
        try
        {
            var lines = File.ReadLines(log).Where(l => l.Trim().Length > 0).ToList();
            return lines.LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "no output";
        }
        catch (IOException) { return "its log cannot be read"; }
    }
}
