namespace Lottery.Cli.Reproduce;

/// <summary>
/// One or several recipes as one queue for the local scheduler (`lottery reproduce conv4 conv4_dropout`, `… all`). A job
/// that two recipes share (the same command line: `rewinding` resets to θ0 on `resnet20`'s and `vgg19`'s lr-0.1 runs,
/// `conv4_dropout`'s networks without dropout are `conv4`'s) is queued once, under the first recipe that names it. Each
/// recipe's report is a job of its own after all of that recipe's jobs, shared ones included, so a recipe's report is
/// written as soon as its runs are while the other recipes go on training. Ids are the recipe's own (iterative.r1,
/// report) for one recipe and prefixed by its name (conv4/iterative.r1, conv4/report) for several; every job logs into
/// the output directory of the recipe it is queued under, logs/.
/// </summary>
public sealed class RecipeQueue
{
    /// <summary>A recipe in the queue: where its report goes, the queued id of each of its jobs by the recipe's own id
    /// (a shared one's is the id it is queued under), and its report job's id.</summary>
    public sealed record Entry(ResolvedRecipe Resolved, string OutDirectory, IReadOnlyDictionary<string, string> QueuedIds, string ReportId)
    {
        public string Name => Resolved.Recipe.Name;
        public IReadOnlyList<string> JobIds => QueuedIds.Values.Distinct().ToList();
    }

    readonly Dictionary<string, string> _logs = [];
    readonly Dictionary<string, string> _queuedUnder = [];

    public IReadOnlyList<Entry> Recipes { get; }
    public IReadOnlyList<RecipeJob> Jobs { get; }

    /// <param name="reportArguments">The report job's command for a recipe and its output directory.</param>
    public RecipeQueue(IReadOnlyList<(ResolvedRecipe Resolved, string OutDirectory)> recipes, Func<ResolvedRecipe, string, IReadOnlyList<string>> reportArguments)
    {
        if (recipes.Count == 0) throw new ArgumentException("a queue needs a recipe", nameof(recipes));
        bool prefixed = recipes.Count > 1;
        var jobs = new List<RecipeJob>();
        var entries = new List<Entry>();
        var queuedByCommand = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (resolved, outDirectory) in recipes)
        {
            string Queued(string own) => prefixed ? $"{resolved.Recipe.Name}/{own}" : own;
            var ids = new Dictionary<string, string>();   // the recipe's own id → its id in the queue
            foreach (var job in resolved.Jobs)
            {
                var command = string.Join('\0', job.Arguments);
                if (queuedByCommand.TryGetValue(command, out var shared)) { ids[job.Id] = shared; continue; }
                var id = ids[job.Id] = queuedByCommand[command] = Queued(job.Id);
                jobs.Add(job with { Id = id, After = job.After.Select(a => ids[a]).ToList() });
                _logs[id] = Path.Combine(outDirectory, "logs", job.Id + ".log");
                _queuedUnder[id] = resolved.Recipe.Name;
            }
            var all = resolved.Jobs.Select(j => ids[j.Id]).Distinct().ToList();
            var report = Queued(RecipeJob.ReportStep);
            jobs.Add(RecipeJob.Report(report, outDirectory, reportArguments(resolved, outDirectory), all, resolved.Jobs[0].Hparams));
            _logs[report] = Path.Combine(outDirectory, "logs", RecipeJob.ReportStep + ".log");
            _queuedUnder[report] = resolved.Recipe.Name;
            entries.Add(new Entry(resolved, outDirectory, ids, report));
        }
        Recipes = entries;
        Jobs = jobs;
    }

    /// <summary>Where a queued job's child process writes its output.</summary>
    public string LogOf(RecipeJob job) => _logs[job.Id];

    /// <summary>The recipe a queued job runs under (the first that names it).</summary>
    public string QueuedUnder(string id) => _queuedUnder[id];

    public RecipeJob Job(string id) => Jobs.First(j => j.Id == id);
}
