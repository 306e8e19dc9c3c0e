using System.Text.Json.Nodes;
using Lottery.Api;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Models;
using Lottery.Runs;
using Lottery.Tickets;
using Lottery.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Tests.Api;

/// <summary>The library API on a network of the user's own design (Conv1d, batch norm, a hand-written residual block)
/// and data given as tensors: find → reinitialization control → export, with the CLI's guarantees.</summary>
[Collection(Native.OneDnnSwitchCollection.Name)]   // its network turns oneDNN off for the process
public class ExperimentApiTests
{
    static ExperimentHparams HparamsFor(UserDataset data, string model) => new(
        data.Hparams(batchSize: 32, validationSize: 200),
        new ModelHparams(model),
        new TrainingHparams("adam", 1e-3, "60it", EvalEvery: 20),
        new PruningHparams("layerwise", ConvRate: 0.1, FcRate: 0.2, OutputRate: 0.1));

    sealed class Recorder : ILotteryObserver
    {
        public List<string> Skipped { get; } = [];
        public List<string> Done { get; } = [];
        public List<string> Messages { get; } = [];
        public void OnStageSkipped(string description, StageSummary summary) => Skipped.Add(description);
        public void OnStageDone(string description, StageSummary summary) => Done.Add(description);
        public void OnMessage(string message) => Messages.Add(message);
    }

    static long After(long n, double rate, int rounds)
    {
        for (int k = 0; k < rounds; k++) n -= (long)Math.Round(rate * n, MidpointRounding.AwayFromZero);
        return n;
    }

    [Fact]
    public void A_users_network_goes_through_find_the_reinit_control_and_export_and_reruns_compute_nothing()
    {
        using var runs = new TempDir();
        using var data = UsersNetworks.SyntheticTensors();
        var model = new CustomModel("rowconv_residual", () => UsersNetworks.RowConvResidual());
        var recorder = new Recorder();
        var settings = new ExperimentSettings { RunsRoot = runs.Path, Observer = recorder, CheckpointEvery = 20 };

        string runDir;
        using (var experiment = Experiment.Create(HparamsFor(data, model.Name), settings, model, data))
        {
            var levels = experiment.Find(levels: 2);
            Assert.Single(levels);
            Assert.Equal(3, levels[0].Count);
            Assert.All(levels[0], s => Assert.Null(s.Outcome.DivergedAt));
            Assert.True(levels[0][0].Outcome.FinalTestAccuracy > 0.6, $"dense test accuracy {levels[0][0].Outcome.FinalTestAccuracy}");

            // Exact survivors per layer: the Conv1d at the conv rate, the hidden and residual linears at the fc rate, the head at the output rate.
            long[] sizes = [16 * 28 * 3, 448 * 64, 64 * 64, 64 * 64, 64 * 4];
            double[] rates = [0.1, 0.2, 0.2, 0.2, 0.1];
            long expected = Enumerable.Range(0, 5).Sum(i => After(sizes[i], rates[i], 2));
            Assert.Equal(sizes.Sum(), levels[0][2].WeightsTotal);
            Assert.Equal(expected, levels[0][2].WeightsRemaining);

            var reinit = experiment.Reinit();
            Assert.Equal(2, reinit.Count);
            runDir = experiment.RunDirectory(RunKind.Lottery);
            Assert.True(File.Exists(Path.Combine(runDir, "replicate_1", "level_2", "branches", "reinit_1", "summary.json")));

            var export = experiment.Export(replicate: 1, level: 2, Path.Combine(runs.Path, "ticket"));
            var json = JsonNode.Parse(File.ReadAllText(export.Description))!;
            Assert.Equal("rowconv_residual", (string?)json["model"]);
            Assert.Equal(["conv.weight", "hidden.weight", "block.inner.weight", "block.outer.weight", "head.weight"],
                json["layers"]!.AsArray().Select(l => (string)l!["name"]!));
            Assert.Equal(Enumerable.Range(0, 5).Select(i => After(sizes[i], rates[i], 2)), json["layers"]!.AsArray().Select(l => (long)l!["remaining"]!));
        }
        Assert.Equal(5, recorder.Done.Count);

        // The same call again finds every stage done and computes nothing; the identity names the network's architecture.
        recorder.Done.Clear();
        using (var again = Experiment.Create(HparamsFor(data, model.Name), settings, model, data))
        {
            again.Find(levels: 2);
            again.Reinit();
            Assert.Equal(runDir, again.RunDirectory(RunKind.Lottery));
            Assert.NotNull(again.Hparams.Model.Architecture);
        }
        Assert.Empty(recorder.Done);
        Assert.Equal(5, recorder.Skipped.Count);

        // Another network under the same name is another run.
        var wider = new CustomModel("rowconv_residual", () => UsersNetworks.RowConvResidual(width: 32));
        using (var other = Experiment.Create(HparamsFor(data, wider.Name), settings, wider, data))
            Assert.NotEqual(runDir, other.RunDirectory(RunKind.Lottery));
        // Other data under the same name is another run.
        using var otherData = UsersNetworks.SyntheticTensors(seed: 8);
        using (var other = Experiment.Create(HparamsFor(otherData, model.Name), settings, model, otherData))
            Assert.NotEqual(runDir, other.RunDirectory(RunKind.Lottery));
    }

    [Fact]
    public void The_same_experiment_in_another_directory_gives_the_same_ticket_bit_for_bit()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        using var data = UsersNetworks.SyntheticTensors();
        var model = new CustomModel("rowconv_residual", () => UsersNetworks.RowConvResidual(width: 32));
        byte[] Ticket(string root)
        {
            using var experiment = Experiment.Create(HparamsFor(data, model.Name), new ExperimentSettings { RunsRoot = root, Seed = 3 }, model, data);
            experiment.Find(levels: 1);
            return File.ReadAllBytes(experiment.Export(1, 1, Path.Combine(root, "out")).SafeTensors);
        }
        Assert.Equal(Ticket(a.Path), Ticket(b.Path));
    }

    [Fact]
    public void Layer_kinds_the_procedure_does_not_know_are_refused_by_module_name()
    {
        using var data = UsersNetworks.SyntheticTensors();
        var prelu = new CustomModel("prelu_net", () => nn.Sequential(("flat", nn.Flatten()), ("fc", nn.Linear(784, 4)), ("act", nn.PReLU(1))));
        var e = Assert.Throws<ModelException>(() => Experiment.Create(HparamsFor(data, "prelu_net"), new ExperimentSettings { RunsRoot = "unused" }, prelu, data));
        Assert.Contains("module 'act' (PReLU)", e.Message);
        Assert.Contains("Linear, Conv1d/2d/3d", e.Message);

        var embedding = new CustomModel("embedding_net", () => nn.Sequential(("emb", nn.Embedding(10, 4)), ("flat", nn.Flatten()), ("fc", nn.Linear(4, 4))));
        Assert.Contains("module 'emb' (Embedding)", Assert.Throws<ModelException>(() => embedding.Create(data.Shape)).Message);

        var doubles = new CustomModel("double_net", () => nn.Sequential(("flat", nn.Flatten()), ("fc", nn.Linear(784, 4, dtype: ScalarType.Float64))));
        Assert.Contains("parameter 'fc.weight'", Assert.Throws<ModelException>(() => doubles.Create(data.Shape)).Message);

        var wrongWidth = new CustomModel("ten_classes", () => nn.Sequential(("flat", nn.Flatten()), ("fc", nn.Linear(784, 10))));
        Assert.Contains("the data has 4 classes", Assert.Throws<ModelException>(() => wrongWidth.Architecture(data.Shape)).Message);

        var wrongInput = new CustomModel("wrong_input", () => nn.Sequential(("flat", nn.Flatten()), ("fc", nn.Linear(100, 4))));
        Assert.Contains("fails on one example of shape 1x28x28", Assert.Throws<ModelException>(() => wrongInput.Architecture(data.Shape)).Message);

        var nothing = new CustomModel("no_layers", () => nn.Sequential(("flat", nn.Flatten())));
        Assert.Contains("no Linear or Conv1d/2d/3d layer", Assert.Throws<ModelException>(() => nothing.Create(data.Shape)).Message);

        var twice = new CustomModel("twice_net", () => nn.Sequential(("flat", nn.Flatten()), ("fc", nn.Linear(784, 8)), ("block", new TwiceRegisteredBlock(8)), ("head", nn.Linear(8, 4))));
        var e2 = Assert.Throws<ModelException>(() => twice.Architecture(data.Shape));
        Assert.Contains("'block.inner'", e2.Message);
        Assert.Contains("'block._inner'", e2.Message);

        Assert.Contains("built-in network", Assert.Throws<ModelException>(() => new CustomModel("conv2", () => nn.Linear(1, 1))).Message);
        Assert.Contains("not usable", Assert.Throws<ModelException>(() => new CustomModel("my net/1", () => nn.Linear(1, 1))).Message);
        Assert.Contains("returned null", Assert.Throws<ModelException>(() => new CustomModel("null_net", () => null!).Create(data.Shape)).Message);
    }

    [Fact]
    public void Bad_inputs_to_the_API_are_clear_exceptions_and_write_nothing()
    {
        using var runs = new TempDir();
        using var data = UsersNetworks.SyntheticTensors();
        var model = new CustomModel("rowconv_residual", () => UsersNetworks.RowConvResidual(width: 16));
        var settings = new ExperimentSettings { RunsRoot = runs.Path };
        var good = HparamsFor(data, model.Name);

        Assert.Contains("use new ModelHparams(model.Name)",
            Assert.Throws<ArgumentException>(() => Experiment.Create(good with { Model = new ModelHparams("other") }, settings, model, data)).Message);
        Assert.Contains("data.Hparams",
            Assert.Throws<ArgumentException>(() => Experiment.Create(good with { Dataset = good.Dataset with { Content = "0000" } }, settings, model, data)).Message);
        Assert.Contains("pass them as data", Assert.Throws<ArgumentException>(() => Experiment.Create(good, settings, model)).Message);
        Assert.Contains("batch size 5000 is larger", Assert.Throws<HparamsException>(() =>
        {
            using var e = Experiment.Create(good with { Dataset = good.Dataset with { BatchSize = 5000 } }, settings, model, data);
            e.Find(1);
        }).Message);
        Assert.Contains("exclude names no prunable tensor 'nope'", Assert.Throws<HparamsException>(() =>
        {
            using var e = Experiment.Create(good with { Pruning = good.Pruning with { Exclude = ["nope"] } }, settings, model, data);
            e.Find(1);
        }).Message);
        using (var e = Experiment.Create(good, settings, model, data))
        {
            Assert.Throws<ArgumentException>(() => e.OneShot([]));
            Assert.Contains("(0, 100)", Assert.Throws<ArgumentException>(() => e.OneShot([150.0])).Message);
            Assert.Contains("replicate numbers start at 1", Assert.Throws<ArgumentException>(() => e.Find(1, [0])).Message);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(runs.Path));

        // Data: wrong dtype, shape, labels.
        using var x = zeros(10, 1, 4, 4);
        using var y = zeros(10, dtype: ScalarType.Int64);
        using var longX = zeros(new long[] { 10, 1, 4, 4 }, dtype: ScalarType.Int64);
        using var floatY = zeros(10);
        using var shortY = zeros(9, dtype: ScalarType.Int64);
        using var negative = full(10, -1L, dtype: ScalarType.Int64);
        using var nan = full(new long[] { 10, 1, 4, 4 }, float.NaN);
        Assert.Contains("give float32", Assert.Throws<ArgumentException>(() => UserDataset.FromTensors("d", longX, y, x, y)).Message);
        Assert.Contains("integer class indices", Assert.Throws<ArgumentException>(() => UserDataset.FromTensors("d", x, floatY, x, y)).Message);
        Assert.Contains("one label per example", Assert.Throws<ArgumentException>(() => UserDataset.FromTensors("d", x, shortY, x, y)).Message);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => UserDataset.FromTensors("d", x, negative, x, y)).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => UserDataset.FromTensors("d", nan, y, x, y)).Message);
        Assert.Contains("registry dataset", Assert.Throws<ArgumentException>(() => UserDataset.FromTensors("mnist", x, y, x, y)).Message);
        Assert.Contains("classes must be at least 2", Assert.Throws<ArgumentException>(() => UserDataset.FromTensors("d", x, y, x, y)).Message);
    }

    [Fact]
    public void The_command_line_refuses_to_compute_for_a_network_built_in_code_but_shows_reports_and_exports_it()
    {
        using var runs = new TempDir();
        using var data = UsersNetworks.SyntheticTensors();
        var model = new CustomModel("rowconv_residual", () => UsersNetworks.RowConvResidual(width: 16));
        string runDir;
        using (var experiment = Experiment.Create(HparamsFor(data, model.Name), new ExperimentSettings { RunsRoot = runs.Path }, model, data))
        {
            experiment.Find(levels: 1);
            runDir = experiment.RunDirectory(RunKind.Lottery);
        }
        var name = Path.GetFileName(runDir);
        var reinit = Cli.CliRunner.Run(runs.Path, ["reinit", name]);
        Assert.Equal(1, reinit.ExitCode);
        var line = Assert.Single(reinit.StderrLines);
        Assert.Contains("built in code", line);
        Assert.Contains("library API", line);
        Assert.False(Directory.Exists(Path.Combine(runDir, "replicate_1", "level_1", "branches")));

        var show = Cli.CliRunner.Run(runs.Path, ["show", name]);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("rowconv_residual", show.Stdout);

        var report = Cli.CliRunner.Run(runs.Path, ["report", name, "--out", Path.Combine(runs.Path, "report")]);
        Assert.True(report.ExitCode == 0, report.Stderr);
        Assert.True(File.Exists(Path.Combine(runs.Path, "report", "report.html")));

        var export = Cli.CliRunner.Run(runs.Path, ["export", name, "--level", "1", "--out", Path.Combine(runs.Path, "ticket")]);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.True(File.Exists(Path.Combine(runs.Path, "ticket", TicketExport.SafeTensorsFile)));
    }

    [Fact]
    public void A_round_that_prunes_a_layer_away_is_named_in_a_warning()
    {
        var mask = new global::Lottery.Pruning.Mask([KeyValuePair.Create("a.weight", new[] { true, false }), KeyValuePair.Create("b.weight", new[] { false, false })]);
        Assert.Equal(["b.weight"], mask.EmptyTensors());

        // The output layer (256 weights) at 99% a round: 3 left after level 1, none after level 2.
        using var runs = new TempDir();
        using var data = UsersNetworks.SyntheticTensors();
        var model = new CustomModel("small_head", () => nn.Sequential(("flat", nn.Flatten()), ("fc1", nn.Linear(784, 64)), ("relu", nn.ReLU()), ("fc2", nn.Linear(64, 4))));
        var recorder = new Recorder();
        var h = HparamsFor(data, model.Name) with { Pruning = new PruningHparams("layerwise", FcRate: 0.5, OutputRate: 0.99) };
        using var experiment = Experiment.Create(h, new ExperimentSettings { RunsRoot = runs.Path, Observer = recorder }, model, data);
        experiment.Find(levels: 2);
        Assert.Contains(recorder.Messages, m => m.StartsWith("warning: replicate 1 level 2 leaves fc2.weight with 0% of its weights", StringComparison.Ordinal));
        Assert.DoesNotContain(recorder.Messages, m => m.Contains("level 1 leaves"));
    }
}
