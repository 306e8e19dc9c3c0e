// Winning tickets of a network of your own design: a small CNN on Fashion-MNIST, found by iterative magnitude
// pruning, checked against the random-reinitialization control, and exported as safetensors.
// Usage: dotnet run --project samples/YourOwnNetwork -- [training length, e.g. 2ep] [levels] [runs directory]
using Lottery.Api;
using Lottery.Hparams;
using Lottery.Lottery;
using Lottery.Models;
using Lottery.Runs;
using TorchSharp;

string length = args.Length > 0 ? args[0] : "2ep";
int levels = args.Length > 1 ? int.Parse(args[1]) : 3;
string runs = args.Length > 2 ? args[2] : "runs";

var network = new CustomModel("fashion_cnn", () => torch.nn.Sequential(
    ("conv1", torch.nn.Conv2d(1, 16, 3, padding: 1)), ("relu1", torch.nn.ReLU()), ("pool1", torch.nn.MaxPool2d(2)),
    ("conv2", torch.nn.Conv2d(16, 32, 3, padding: 1)), ("relu2", torch.nn.ReLU()), ("pool2", torch.nn.MaxPool2d(2)),
    ("flat", torch.nn.Flatten()),
    ("fc", torch.nn.Linear(32 * 7 * 7, 128)), ("relu3", torch.nn.ReLU()),
    ("head", torch.nn.Linear(128, 10))));

var hparams = new ExperimentHparams(
    new DatasetHparams("fashion-mnist", BatchSize: 60),                 // 55,000 training / 5,000 validation
    new ModelHparams(network.Name),                                     // Glorot-normal θ0 from the run's seed
    new TrainingHparams("adam", 1.2e-3, length, EvalEvery: 100),
    new PruningHparams(ConvRate: 0.1, FcRate: 0.2, OutputRate: 0.1));  // per round, as the paper's Conv-2

var settings = new ExperimentSettings { RunsRoot = runs, Observer = new Progress() };
using var experiment = Experiment.Create(hparams, settings, network);
var tickets = experiment.Find(levels)[0];
var reinit = experiment.Reinit(levels: [levels]).Single();
var ticket = experiment.Export(replicate: 1, level: levels, Path.Combine(runs, "fashion_cnn_ticket"));

Console.WriteLine("level  % weights  early stop  test acc at early stop");
foreach (var (s, level) in tickets.Select((s, i) => (s, i)))
    Console.WriteLine($"{level,5}  {s.PercentRemaining,9:0.0}  {s.Outcome.EarlyStopIteration,10}  {s.Outcome.EarlyStopTestAccuracy,21:P2}");
Console.WriteLine($"reinit {reinit.PercentRemaining,8:0.0}  {reinit.Outcome.EarlyStopIteration,10}  {reinit.Outcome.EarlyStopTestAccuracy,21:P2}");
Console.WriteLine($"run: {experiment.RunDirectory(RunKind.Lottery)}");
Console.WriteLine($"ticket: {ticket.SafeTensors}");

/// <summary>One line per stage: what the library's observer interface reports.</summary>
sealed class Progress : ILotteryObserver
{
    public void OnStageDone(string description, StageSummary s) =>
        Console.Error.WriteLine($"{description}: {s.PercentRemaining:0.0}% of weights, test accuracy {s.Outcome.FinalTestAccuracy:P2} after {s.Seconds:0}s");
    public void OnStageSkipped(string description, StageSummary s) => Console.Error.WriteLine($"{description}: done before");
    public void OnMessage(string message) => Console.Error.WriteLine(message);
}
