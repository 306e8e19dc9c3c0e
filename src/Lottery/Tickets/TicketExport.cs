using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Pruning;
using Lottery.Runs;
using Lottery.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Tickets;

/// <summary>
/// A finished stage's ticket written for use elsewhere: <c>ticket.safetensors</c> (every pruned layer's mask as
/// <c>mask.NAME</c>, the starting weights θ0 or θk with pruned weights zero as <c>start.NAME</c>, the trained weights
/// as <c>trained.NAME</c>; parameters and buffers, in the network's dtypes and shapes), the same starting and trained
/// states as TorchSharp state dicts (<c>start.dat</c>, <c>trained.dat</c>: <c>module.load(path)</c> loads them into the
/// network), and <c>ticket.json</c> describing them: network, run, stage, percent remaining per layer, hyperparameters,
/// early-stop results. Every file is written to a temporary name and renamed.
/// </summary>
public sealed record TicketExport(string Directory, string SafeTensors, string StartStateDict, string TrainedStateDict, string Description, string SparseSafeTensors)
{
    public const string SafeTensorsFile = "ticket.safetensors";
    /// <summary>The kept weights of every pruned layer in compressed sparse rows (the layer's weight as rows = its first
    /// dimension, columns = the rest, row-major): NAME.row_offsets (I64, rows + 1), NAME.column_indices (I64, one per kept
    /// weight, increasing within a row), NAME.values (F32, the trained weights) and NAME.start_values (F32, the starting
    /// weights), the shape in the metadata as NAME.shape; every other tensor dense as NAME (trained).</summary>
    public const string SparseSafeTensorsFile = "ticket_sparse.safetensors";
    public const string DescriptionFile = "ticket.json";

    /// <summary>The ticket of level <paramref name="level"/> of replicate <paramref name="replicate"/> of an iterative run.</summary>
    public static TicketExport Write(string runDirectory, int replicate, int level, string outDirectory)
    {
        var layout = new RunLayout(runDirectory);
        var manifest = RunManifest.LoadVerified(runDirectory);
        if (manifest.Identity.Kind is not (RunKind.Lottery or RunKind.Train) && level != 0)
            throw new HparamsException($"{Path.GetFileName(runDirectory)} is a {manifest.Kind} run: it has no level {level} (one-shot runs export by --target)");
        return WriteStage(runDirectory, manifest, layout.Level(replicate, level), $"replicate {replicate} level {level}", outDirectory,
            new JsonObject { ["replicate"] = replicate, ["level"] = level });
    }

    /// <summary>The ticket of one-shot target <paramref name="percent"/> of replicate <paramref name="replicate"/>.</summary>
    public static TicketExport WriteTarget(string runDirectory, int replicate, double percent, string outDirectory)
    {
        var layout = new RunLayout(runDirectory);
        var manifest = RunManifest.LoadVerified(runDirectory);
        if (manifest.Identity.Kind != RunKind.OneShot)
            throw new HparamsException($"{Path.GetFileName(runDirectory)} is a {manifest.Kind} run: --target applies to one-shot runs (export its levels with --level)");
        var match = layout.Targets(replicate).Where(t => Math.Abs(t.Percent - percent) < 1e-9).Select(t => t.Directory).FirstOrDefault()
            ?? throw new RunFileException($"replicate {replicate} of {Path.GetFileName(runDirectory)} has no one-shot target {percent.ToString(CultureInfo.InvariantCulture)}%: " +
                $"it has {string.Join(", ", layout.Targets(replicate).Select(t => t.Percent.ToString(CultureInfo.InvariantCulture)))}");
        return WriteStage(runDirectory, manifest, match, $"replicate {replicate} one-shot to {percent.ToString(CultureInfo.InvariantCulture)}%", outDirectory,
            new JsonObject { ["replicate"] = replicate, ["target_percent"] = percent });
    }

    static TicketExport WriteStage(string runDirectory, RunManifest manifest, string stage, string what, string outDirectory, JsonObject where)
    {
        var summary = StageSummary.TryLoad(stage)
            ?? throw new RunFileException($"{what} of {Path.GetFileName(runDirectory)} is not finished ({stage} has no {StageSummary.FileName}): run it first");
        if (summary.Outcome.DivergedAt is int at)
            throw new HparamsException($"{what} diverged at iteration {at}: its trained weights are not finite, so it is no ticket to export");
        var tensors = manifest.Tensors
            ?? throw new RunFileException($"{Path.Combine(runDirectory, "manifest.json")} does not record the network's tensor shapes (a run made before " +
                "tickets could be exported): run any command on it again (e.g. `lottery find` with its flags) to record them, then export");
        var mask = WeightsIO.LoadMask(Path.Combine(stage, StageFiles.Mask));
        var start = WeightsIO.LoadWeights(Path.Combine(stage, StageFiles.Start));
        var trained = WeightsIO.LoadWeights(Path.Combine(stage, StageFiles.Final));
        foreach (var t in tensors)
            foreach (var (state, file) in new[] { (start, "start.tsr"), (trained, StageFiles.Final) })
                if (!state.TryGetValue(t.Name, out var values) || values.LongLength != t.Shape.Aggregate(1L, (a, b) => a * b))
                    throw new RunFileException($"{Path.Combine(stage, file)} does not hold tensor {t.Name} of shape [{string.Join(", ", t.Shape)}]: delete {stage} and re-run the stage");

        var writer = new SafeTensorsWriter()
            .Metadata("format", "pt")
            .Metadata("producer", "lottery")
            .Metadata("run", Path.GetFileName(Path.TrimEndingDirectorySeparator(runDirectory)))
            .Metadata("stage", what)
            .Metadata("percent_remaining", summary.PercentRemaining.ToString("R", CultureInfo.InvariantCulture));
        foreach (var name in mask.Names)
            writer.Add($"mask.{name}", tensors.Single(t => t.Name == name).Shape, mask[name]);
        foreach (var (prefix, state) in new[] { ("start", start), ("trained", trained) })
            foreach (var t in tensors)
            {
                if (t.Dtype == nameof(ScalarType.Float32)) writer.Add($"{prefix}.{t.Name}", t.Shape, state[t.Name]);
                else writer.Add($"{prefix}.{t.Name}", t.Shape, state[t.Name].Select(v => (long)v).ToArray());
            }

        System.IO.Directory.CreateDirectory(outDirectory);
        var safetensors = Path.Combine(outDirectory, SafeTensorsFile);
        var startDict = Path.Combine(outDirectory, "start.dat");
        var trainedDict = Path.Combine(outDirectory, "trained.dat");
        var description = Path.Combine(outDirectory, DescriptionFile);
        var bytes = writer.ToBytes();
        AtomicFile.Write(safetensors, s => s.Write(bytes));
        var sparseFile = Path.Combine(outDirectory, SparseSafeTensorsFile);
        var sparseBytes = Sparse(tensors, mask, start, trained, runDirectory, what).ToBytes();
        AtomicFile.Write(sparseFile, s => s.Write(sparseBytes));
        AtomicFile.Write(startDict, s => StateDict.Write(s, tensors, start));
        AtomicFile.Write(trainedDict, s => StateDict.Write(s, tensors, trained));

        var sparsity = mask.Names.Select(n => new JsonObject
        {
            ["name"] = n,
            ["weights"] = mask.Size(n),
            ["remaining"] = mask.Remaining(n),
            ["percent_remaining"] = mask.Size(n) == 0 ? 100 : 100.0 * mask.Remaining(n) / mask.Size(n),
        }).ToArray();
        var rewind = manifest.Rewind;
        var json = new JsonObject
        {
            ["model"] = manifest.Hparams.Model.Model,
            ["architecture"] = manifest.Hparams.Model.Architecture,
            ["dataset"] = manifest.Hparams.Dataset.Dataset,
            ["run"] = Path.GetFileName(Path.TrimEndingDirectorySeparator(runDirectory)),
            ["run_hash"] = manifest.Hash,
            ["run_kind"] = manifest.Kind,
            ["seed"] = manifest.Seed,
            ["stage"] = what,
            ["stage_directory"] = Path.GetRelativePath(runDirectory, stage),
            ["starting_weights"] = rewind is null ? "theta_0 (the initialization)" : $"theta_k (dense training's weights after {rewind})",
            ["percent_remaining"] = summary.PercentRemaining,
            ["weights"] = summary.WeightsTotal,
            ["weights_remaining"] = summary.WeightsRemaining,
            ["layers"] = new JsonArray(sparsity),
            ["early_stop_iteration"] = summary.Outcome.EarlyStopIteration,
            ["early_stop_test_accuracy"] = summary.Outcome.EarlyStopTestAccuracy,
            ["final_test_accuracy"] = summary.Outcome.FinalTestAccuracy,
            ["hyperparameters"] = JsonSerializer.SerializeToNode(manifest.Hparams, RunManifest.Json),
            ["tensors"] = new JsonArray(tensors.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name, ["dtype"] = t.Dtype, ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
                ["parameter"] = t.Parameter, ["pruned"] = mask.Contains(t.Name),
            }).ToArray()),
            ["files"] = new JsonObject
            {
                ["safetensors"] = SafeTensorsFile + " (mask.NAME bool, start.NAME and trained.NAME in the network's dtypes)",
                ["sparse_safetensors"] = SparseSafeTensorsFile + " (per pruned layer: NAME.row_offsets, NAME.column_indices (int64), NAME.values, " +
                    "NAME.start_values (float32) of the weight as rows × (the rest), shape in the metadata NAME.shape; other tensors dense as NAME)",
                ["start_state_dict"] = "start.dat (TorchSharp module.load)",
                ["trained_state_dict"] = "trained.dat (TorchSharp module.load)",
            },
        };
        foreach (var (k, v) in where) json[k] = v?.DeepClone();
        AtomicFile.WriteAllText(description, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return new TicketExport(outDirectory, safetensors, startDict, trainedDict, description, sparseFile);
    }

    /// <summary>The ticket in compressed sparse rows (<see cref="SparseSafeTensorsFile"/>).</summary>
    static SafeTensorsWriter Sparse(IReadOnlyList<TensorInfo> tensors, Mask mask, IReadOnlyDictionary<string, float[]> start,
        IReadOnlyDictionary<string, float[]> trained, string runDirectory, string what)
    {
        var writer = new SafeTensorsWriter()
            .Metadata("format", "csr")
            .Metadata("producer", "lottery")
            .Metadata("run", Path.GetFileName(Path.TrimEndingDirectorySeparator(runDirectory)))
            .Metadata("stage", what);
        foreach (var t in tensors)
        {
            if (!mask.Contains(t.Name))
            {
                if (t.Dtype == nameof(ScalarType.Float32)) writer.Add(t.Name, t.Shape, trained[t.Name]);
                else writer.Add(t.Name, t.Shape, trained[t.Name].Select(v => (long)v).ToArray());
                continue;
            }
            long rows = t.Shape[0], columns = t.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            var alive = mask[t.Name];
            var offsets = new long[rows + 1];
            var cols = new List<long>();
            var values = new List<float>();
            var startValues = new List<float>();
            for (long r = 0; r < rows; r++)
            {
                offsets[r] = cols.Count;
                for (long c = 0; c < columns; c++)
                {
                    long p = r * columns + c;
                    if (!alive[p]) continue;
                    cols.Add(c);
                    values.Add(trained[t.Name][p]);
                    startValues.Add(start[t.Name][p]);
                }
            }
            offsets[rows] = cols.Count;
            writer.Metadata($"{t.Name}.shape", string.Join(",", t.Shape));
            writer.Add($"{t.Name}.row_offsets", [rows + 1], offsets);
            writer.Add($"{t.Name}.column_indices", [cols.Count], cols.ToArray());
            writer.Add($"{t.Name}.values", [values.Count], values.ToArray());
            writer.Add($"{t.Name}.start_values", [startValues.Count], startValues.ToArray());
        }
        return writer;
    }
}
