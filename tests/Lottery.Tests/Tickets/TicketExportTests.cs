using System.Text.Json.Nodes;
using Lottery.Api;
using Lottery.Lottery;
using Lottery.Models;
using Lottery.Runs;
using Lottery.Tests.Api;
using Lottery.Tickets;
using Lottery.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lottery.Tests.Tickets;

/// <summary>Tickets leave as safetensors (read back byte-exactly by a reader written from the format's specification)
/// and as TorchSharp state dicts that load into the network and reproduce its measured accuracy.</summary>
[Collection(Native.OneDnnSwitchCollection.Name)]   // its network turns oneDNN off for the process
public class TicketExportTests
{
    static int Bits(float f) => BitConverter.SingleToInt32Bits(f);

    [Fact]
    public void The_safetensors_file_holds_mask_start_and_trained_weights_byte_exactly()
    {
        using var runs = new TempDir();
        using var handle = RunHandle.Open(Synthetic.Environment(runs.Path), new RunIdentity(RunKind.Lottery, Synthetic.Hparams(iterations: "40it"), 5, null));
        new LotteryRunner(handle).Find(2, [1]);
        var stage = handle.Layout.Level(1, 2);
        var export = TicketExport.Write(handle.Layout.Root, 1, 2, Path.Combine(runs.Path, "out"));

        var file = File.ReadAllBytes(export.SafeTensors);
        var reader = new SpecSafeTensorsReader(file);
        Assert.Equal(0UL, reader.HeaderSize % 8);
        var mask = WeightsIO.LoadMask(Path.Combine(stage, StageFiles.Mask));
        var start = WeightsIO.LoadWeights(Path.Combine(stage, StageFiles.Start));
        var trained = WeightsIO.LoadWeights(Path.Combine(stage, StageFiles.Final));
        string[] parameters = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "out.weight", "out.bias"];
        Assert.Equal(["fc1.weight", "fc2.weight", "out.weight"], mask.Names);
        Assert.Equal(mask.Names.Select(n => "mask." + n).Concat(parameters.Select(n => "start." + n)).Concat(parameters.Select(n => "trained." + n)).Order(),
            reader.Tensors.Keys.Order());
        Assert.Equal([100L, 784], reader.Tensors["start.fc1.weight"].Shape);
        Assert.Equal([10L], reader.Tensors["trained.out.bias"].Shape);
        foreach (var name in mask.Names) Assert.Equal(mask[name], reader.Bools("mask." + name));
        foreach (var name in parameters)
        {
            Assert.Equal(start[name].Select(Bits), reader.Floats("start." + name).Select(Bits));
            Assert.Equal(trained[name].Select(Bits), reader.Floats("trained." + name).Select(Bits));
        }
        // Pruned weights are zero in both states: the ticket is the mask applied to θ0 and the trained network under it.
        Assert.All(Enumerable.Range(0, mask["fc1.weight"].Length).Where(i => !mask["fc1.weight"][i]),
            i => Assert.Equal(0f, reader.Floats("start.fc1.weight")[i]));
        Assert.Equal(Path.GetFileName(handle.Layout.Root), reader.Metadata["run"]);
        Assert.Equal("pt", reader.Metadata["format"]);

        var json = JsonNode.Parse(File.ReadAllText(export.Description))!;
        Assert.Equal(2, (int)json["level"]!);
        Assert.Equal(handle.Identity.Hash, (string?)json["run_hash"]);
        Assert.Equal(mask.TotalRemaining, (long)json["weights_remaining"]!);
        Assert.Equal("lenet_100_30", (string?)json["hyperparameters"]!["model"]!["model"]);

        // A second export writes the same bytes.
        var again = TicketExport.Write(handle.Layout.Root, 1, 2, Path.Combine(runs.Path, "again"));
        Assert.Equal(file, File.ReadAllBytes(again.SafeTensors));
    }

    [Fact]
    public void The_state_dicts_load_into_the_users_network_and_reproduce_its_test_accuracy()
    {
        using var runs = new TempDir();
        using var data = UsersNetworks.SyntheticTensors();
        var model = new CustomModel("rowconv_residual", () => UsersNetworks.RowConvResidual(width: 16));
        var hparams = new Hparams.ExperimentHparams(data.Hparams(batchSize: 32, validationSize: 200), new Hparams.ModelHparams(model.Name),
            new Hparams.TrainingHparams("sgd", 0.02, "40it", Momentum: 0.9, EvalEvery: 20), new Hparams.PruningHparams());
        using var experiment = Experiment.Create(hparams, new ExperimentSettings { RunsRoot = runs.Path }, model, data);
        var summary = experiment.Find(1)[0][1];
        var export = experiment.Export(1, 1, Path.Combine(runs.Path, "ticket"));

        // The bare network, as the user builds it: TorchSharp's own loader reads the state dict (dtypes included:
        // batch norm's batch count is int64).
        using var network = UsersNetworks.RowConvResidual(width: 16);
        network.load(export.TrainedStateDict);
        using var adopted = new AdoptedModel("check", network, data.Shape);
        using var split = data.Split(experiment.Hparams.Dataset);
        var (_, accuracy) = Evaluator.Evaluate(adopted, split.Test);
        Assert.Equal(summary.Outcome.FinalTestAccuracy, accuracy);
        var trackedBatches = network.named_buffers().Single(b => b.name == "norm.num_batches_tracked").buffer;
        Assert.Equal(ScalarType.Int64, trackedBatches.dtype);
        Assert.Equal(40L, trackedBatches.item<long>());

        using var fresh = UsersNetworks.RowConvResidual(width: 16);
        fresh.load(export.StartStateDict);
        var stage = Path.Combine(experiment.RunDirectory(RunKind.Lottery), "replicate_1", "level_1");
        var start = WeightsIO.LoadWeights(Path.Combine(stage, StageFiles.Start));
        foreach (var (name, p) in fresh.named_parameters())
            Assert.Equal(start[name].Select(Bits), p.detach().contiguous().data<float>().ToArray().Select(Bits));
        var reader = new SpecSafeTensorsReader(File.ReadAllBytes(export.SafeTensors));
        Assert.Equal([40L], reader.Longs("trained.norm.num_batches_tracked"));
        Assert.Equal([16L, 28, 3], reader.Tensors["mask.conv.weight"].Shape);
    }

    [Fact]
    public void Export_from_the_command_line_and_its_bad_inputs()
    {
        using var runs = new TempDir();
        string run;
        using (var handle = RunHandle.Open(Synthetic.Environment(runs.Path), new RunIdentity(RunKind.Lottery, Synthetic.Hparams(iterations: "20it"), 0, null)))
        {
            new LotteryRunner(handle).Find(1, [1]);
            run = Path.GetFileName(handle.Layout.Root);
        }
        var outDir = Path.Combine(runs.Path, "ticket");
        var ok = Cli.CliRunner.Run(runs.Path, ["export", run[..12], "--level", "1", "--out", outDir, "--json"]);
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        var printed = JsonNode.Parse(ok.Stdout)!;
        Assert.Equal(Path.Combine(Path.GetFullPath(outDir), TicketExport.SafeTensorsFile), (string?)printed["safetensors"]);
        // The ticket in compressed rows too (ticket_sparse.safetensors), for sparse kernels elsewhere.
        Assert.Equal(new[] { "start.dat", "ticket.json", "ticket.safetensors", "ticket_sparse.safetensors", "trained.dat" }.Order(), Directory.GetFiles(outDir).Select(Path.GetFileName).Order());

        var bad = Path.Combine(runs.Path, "bad");
        foreach (var (args, expected) in new (string[], string)[]
        {
            (["export", run, "--level", "1"], "--out is missing"),
            (["export", run, "--out", bad], "give one of --level"),
            (["export", run, "--level", "1", "--target", "50", "--out", bad], "give one of --level"),
            (["export", run, "--level", "2", "--out", bad], "is not finished"),
            (["export", run, "--level", "1", "--replicate", "2", "--out", bad], "is not finished"),
            (["export", run, "--target", "50", "--out", bad], "--target applies to one-shot runs"),
            (["export", "nosuchrun", "--level", "1", "--out", bad], "nosuchrun"),
        })
        {
            var result = Cli.CliRunner.Run(runs.Path, args);
            Assert.True(result.ExitCode == 1, $"{string.Join(" ", args)}: exit {result.ExitCode} {result.Stderr}");
            var line = Assert.Single(result.StderrLines);
            Assert.Contains(expected, line);
            Assert.False(Directory.Exists(bad), string.Join(" ", args));
        }
    }
}
