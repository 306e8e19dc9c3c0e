using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Training;

namespace Lottery.Cli.Reproduce;

/// <summary>Training and evaluation speed of one network at one batch size on one thread.</summary>
public sealed record Speed(string Model, int BatchSize, double MillisecondsPerIteration, double EvalExamplesPerSecond, string Source);

/// <summary>
/// How long a recipe's jobs take on this machine: each stage is its training iterations at the network's measured speed
/// plus its measurements (validation every eval_every, test every test_every and at new minima, the final weights on the
/// training split) at the measured evaluation rate, plus loading the data; the recipe's wall time simulates the local
/// scheduler (its workers, each job after its trunk, one job per replicate of a run at a time).
/// <para>Speeds come from `lottery bench` on this machine (it records what it measures: <see cref="BenchCache"/>), else from
/// the reference table below, measured on the project's 2-core VM (one thread per job, the other core busy with a second
/// job, as the scheduler runs them), 2026-12-02.</para>
/// </summary>
public static class Projection
{
    public static readonly IReadOnlyList<Speed> Reference =
    [
        new("lenet_300_100", 60, 1.2, 134_273, "reference"),
        new("conv2", 60, 138.1, 1_760, "reference"),
        new("conv4", 60, 217.9, 543, "reference"),
        new("conv6", 60, 317.3, 262, "reference"),
        new("resnet20", 128, 280.7, 1_084, "reference"),
        new("vgg19", 64, 976.8, 219, "reference"),
        new("vgg19_16", 64, 79.5, 2_613, "reference"),
    ];

    /// <summary>The speed of <paramref name="model"/> at <paramref name="batch"/>: this machine's bench record, else the reference.</summary>
    public static Speed? SpeedOf(string model, int batch, IReadOnlyList<Speed> measured)
    {
        var exact = measured.FirstOrDefault(s => s.Model == model && s.BatchSize == batch) ?? Reference.FirstOrDefault(s => s.Model == model && s.BatchSize == batch);
        if (exact is not null) return exact;
        var other = measured.FirstOrDefault(s => s.Model == model) ?? Reference.FirstOrDefault(s => s.Model == model);
        return other is null ? null : Scaled(other, batch);
    }

    /// <summary>Another batch size scales the time per iteration with the batch (evaluation is per example already).</summary>
    static Speed Scaled(Speed s, int batch) => s with { BatchSize = batch, MillisecondsPerIteration = s.MillisecondsPerIteration * batch / s.BatchSize, Source = s.Source + ", scaled to the batch" };

    /// <summary>Seconds one stage of <paramref name="h"/> takes (training plus its measurements), or null for an unknown network.</summary>
    public static double? StageSeconds(ExperimentHparams h, IReadOnlyList<Speed> measured, double trainingShare = 1)
    {
        var spec = DatasetRegistry.Find(h.Dataset.Dataset);
        if (spec is null || SpeedOf(h.Model.Model, h.Dataset.BatchSize, measured) is not { } speed) return null;
        var plan = TrainingPlan.For(h, spec.TrainCount);
        double iterations = plan.TotalIterations * trainingShare;
        int evalEvery = h.Training.EvalEvery, testEvery = h.Training.TestEvery ?? evalEvery;
        double measurements = Math.Floor(iterations / evalEvery) + 1;
        // Test at each scheduled point, and at new validation minima in between (a few per run).
        double tests = Math.Min(measurements, Math.Floor(iterations / testEvery) + 1 + (testEvery > evalEvery ? 3 : 0));
        double examples = measurements * h.Dataset.ValidationSize + tests * spec.TestCount + plan.TrainCount;
        return iterations * speed.MillisecondsPerIteration / 1000 + examples / speed.EvalExamplesPerSecond + LoadSeconds(spec);
    }

    /// <summary>Reading and preparing the data once per job.</summary>
    static double LoadSeconds(DatasetSpec spec) => spec.Channels == 3 ? 15 : 5;

    /// <summary>The seconds a job would take: its stages still to do (all of them when <paramref name="remaining"/> is false).</summary>
    public static double? JobSeconds(RecipeJob job, IReadOnlyList<Speed> measured, bool remaining)
    {
        if (StageSeconds(job.Hparams, measured) is not double stage) return null;
        int stages = remaining ? job.Step.StagesPerReplicate - job.FinishedStages() : job.Step.StagesPerReplicate;
        return stages <= 0 ? 0 : stages * stage;
    }

    /// <summary>Each job's chain: its own seconds plus the longest chain of the jobs that wait for it.</summary>
    public static Dictionary<string, double> Chains(IReadOnlyList<RecipeJob> jobs, IReadOnlyDictionary<string, double> seconds)
    {
        var chain = new Dictionary<string, double>();
        double Chain(RecipeJob job)
        {
            if (chain.TryGetValue(job.Id, out var known)) return known;
            double after = jobs.Where(j => j.After.Contains(job.Id)).Select(Chain).DefaultIfEmpty(0).Max();
            return chain[job.Id] = seconds.GetValueOrDefault(job.Id) + after;
        }
        foreach (var job in jobs) Chain(job);
        return chain;
    }

    /// <summary>The order in which a scheduler prefers the jobs that are ready: the longest chain first, then plan order. In
    /// plan order a trunk's one-stage controls went before a four-stage trunk that still had a control to wait for it, and
    /// the last hour ran on one worker. <paramref name="ranks"/> (<see cref="QueueOrder.Ranks"/>) go before all of that: a
    /// lower rank first. <see cref="Pick"/> makes the one exception.</summary>
    public static List<RecipeJob> StartOrder(IReadOnlyList<RecipeJob> jobs, IReadOnlyDictionary<string, double> seconds, IReadOnlyDictionary<string, int>? ranks = null)
    {
        var chain = Chains(jobs, seconds);
        return jobs.Select((j, i) => (Job: j, Index: i)).OrderBy(x => ranks?.GetValueOrDefault(x.Job.Id) ?? 0)
            .ThenByDescending(x => chain[x.Job.Id]).ThenBy(x => x.Index).Select(x => x.Job).ToList();
    }

    /// <summary>The job a free worker starts: the first of <paramref name="startable"/> (in <see cref="StartOrder"/>), unless
    /// a longer chain among them could no longer wait. Started after the first (its seconds, or sooner where another worker
    /// frees first: <paramref name="otherFreeIn"/>, 0 where one is idle), that chain would end after the whole queue could
    /// have, the <paramref name="work"/> left (every unfinished job's seconds, the running ones' remainder) shared by the
    /// <paramref name="workers"/>: then it starts now. So ranked recipes keep their order until the end of the queue, where
    /// a later recipe's long trunk would otherwise run by itself (the four deeper conv recipes in order: 8 h 24 with the ranks
    /// alone, conv6_dropout's one 2-hour trunk last and alone; 7 h 36 with this exception; 7 h 21 longest first).</summary>
    public static RecipeJob Pick(IReadOnlyList<RecipeJob> startable, IReadOnlyDictionary<string, double> chains, IReadOnlyDictionary<string, double> seconds,
        double work, int workers, double otherFreeIn)
    {
        var first = startable[0];
        var longest = startable.MaxBy(j => chains.GetValueOrDefault(j.Id))!;
        double chain = chains.GetValueOrDefault(longest.Id);
        double delay = Math.Min(seconds.GetValueOrDefault(first.Id), otherFreeIn);
        return chain > chains.GetValueOrDefault(first.Id) && chain + delay > work / Math.Max(1, workers) ? longest : first;
    }

    /// <summary>The wall time of the jobs on <paramref name="workers"/> workers, scheduled as the local scheduler does.</summary>
    public static double WallSeconds(IReadOnlyList<RecipeJob> jobs, IReadOnlyDictionary<string, double> seconds, int workers, IReadOnlyDictionary<string, int>? ranks = null) =>
        Finishes(jobs, seconds, workers, ranks).Values.DefaultIfEmpty(0).Max();

    /// <summary>When each job would end, in seconds from the start, on <paramref name="workers"/> workers scheduled as the
    /// local scheduler does: whenever a worker is free it starts a job whose trunk has ended and whose replicate no other
    /// job holds, chosen by <see cref="Pick"/> (a report job, of no seconds, ends as it starts).</summary>
    public static Dictionary<string, double> Finishes(IReadOnlyList<RecipeJob> jobs, IReadOnlyDictionary<string, double> seconds, int workers, IReadOnlyDictionary<string, int>? ranks = null)
    {
        var chains = Chains(jobs, seconds);
        var pending = StartOrder(jobs, seconds, ranks);
        var finish = new Dictionary<string, double>();
        var free = Enumerable.Repeat(0.0, Math.Max(1, workers)).ToList();
        var lockFree = new Dictionary<string, double>();
        while (pending.Count > 0)
        {
            int worker = free.IndexOf(free.Min());
            double now = free[worker];
            var startable = pending.Where(j => j.After.All(a => finish.TryGetValue(a, out var f) && f <= now) && lockFree.GetValueOrDefault(j.Lock) <= now).ToList();
            if (startable.Count == 0)
            {
                // This worker waits for the next job to end.
                var ends = finish.Values.Where(f => f > now).ToList();
                if (ends.Count == 0) throw new InvalidOperationException($"{pending[0].Id} waits for a job that is not in the queue");
                free[worker] = ends.Min();
                continue;
            }
            double work = pending.Sum(j => seconds.GetValueOrDefault(j.Id)) + finish.Values.Where(f => f > now).Sum(f => f - now);
            var others = free.Where((_, k) => k != worker).ToList();
            double otherFreeIn = others.Count == 0 ? double.PositiveInfinity : Math.Max(0, others.Min() - now);
            var job = Pick(startable, chains, seconds, work, free.Count, otherFreeIn);
            double end = now + seconds.GetValueOrDefault(job.Id);
            free[worker] = finish[job.Id] = lockFree[job.Lock] = end;
            pending.Remove(job);
        }
        return finish;
    }

    public static string Duration(double seconds)
    {
        if (seconds < 60) return $"{Math.Ceiling(seconds):0} s";
        var t = TimeSpan.FromSeconds(seconds);
        if (t.TotalHours < 1) return $"{t.Minutes} min";
        if (t.TotalHours < 48) return $"{(int)t.TotalHours} h {t.Minutes:00} min";
        return $"{t.TotalDays.ToString("0.0", CultureInfo.InvariantCulture)} days";
    }
}

/// <summary>
/// What `lottery bench` measured on this machine, kept in the user's cache (LOTTERY_CACHE, else XDG_CACHE_HOME/lottery,
/// else ~/.cache/lottery: bench.json) so that `lottery reproduce --list` projects times from this machine's own speed.
/// Records of another CPU or core count are ignored; the newest record per network, batch and thread count wins.
/// </summary>
public static class BenchCache
{
    public sealed record Entry(
        [property: JsonPropertyName("machine")] string Machine,
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("batch_size")] int BatchSize,
        [property: JsonPropertyName("threads")] int Threads,
        [property: JsonPropertyName("ms_per_iteration")] double MillisecondsPerIteration,
        [property: JsonPropertyName("eval_examples_per_second")] double EvalExamplesPerSecond,
        [property: JsonPropertyName("measured")] DateTimeOffset Measured);

    static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static string FilePath => Path.Combine(Native.TorchNativeLoader.CacheRoot(), "bench.json");

    /// <summary>This machine: its CPU's model name and core count.</summary>
    public static string Machine()
    {
        string cpu = "unknown cpu";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"{cpu}, {Environment.ProcessorCount} cores";
    }

    static List<Entry> Read()
    {
        try { return File.Exists(FilePath) ? JsonSerializer.Deserialize<List<Entry>>(File.ReadAllText(FilePath)) ?? [] : []; }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException) { return []; }   // a damaged cache is only a cache
    }

    /// <summary>Adds what a bench run measured (a cache that cannot be written is skipped: the bench's output stands).</summary>
    public static void Record(IEnumerable<BenchmarkResult> results, int threads)
    {
        var machine = Machine();
        var entries = Read();
        foreach (var r in results)
        {
            entries.RemoveAll(e => e.Machine == machine && e.Model == r.Model && e.BatchSize == r.BatchSize && e.Threads == threads);
            entries.Add(new Entry(machine, r.Model, r.BatchSize, threads, r.MillisecondsPerIteration, r.EvalExamplesPerSecond, DateTimeOffset.UtcNow));
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            Runs.AtomicFile.WriteAllText(FilePath, JsonSerializer.Serialize(entries, Options) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>This machine's one-thread speeds (a recipe's jobs run on one thread each).</summary>
    public static IReadOnlyList<Speed> Measured()
    {
        var machine = Machine();
        return Read().Where(e => e.Machine == machine && e.Threads == 1)
            .Select(e => new Speed(e.Model, e.BatchSize, e.MillisecondsPerIteration, e.EvalExamplesPerSecond, $"lottery bench, {e.Measured:yyyy-MM-dd}")).ToList();
    }
}
