using Lottery.Training;

namespace Lottery.Hparams;

/// <summary>How a network is trained. Steps are strings as in open_lth ("50000it", "160ep", "2ep100it").</summary>
/// <param name="Optimizer">adam or sgd.</param>
/// <param name="Lr">Base learning rate.</param>
/// <param name="Iterations">Training length.</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="Nesterov">SGD Nesterov momentum.</param>
/// <param name="WeightDecay">L2 penalty added to the gradient (both optimizers).</param>
/// <param name="Warmup">Linear warmup from 0 to the base rate over this many steps; null = none.</param>
/// <param name="Milestones">Steps at which the rate is multiplied by <paramref name="Gamma"/>.</param>
/// <param name="Gamma">Step-decay factor.</param>
/// <param name="EvalEvery">Validation and test are measured every this many iterations (the paper: 100).</param>
/// <param name="TestEvery">The test set is measured every this many iterations (null: every EvalEvery, the paper's
/// protocol), and always at a new minimum of the validation loss and at the end, so the test accuracy at the
/// early-stopping iteration and at the end are exact either way. A multiple of EvalEvery.</param>
public sealed record TrainingHparams(
    string Optimizer,
    double Lr,
    string Iterations,
    double Momentum = 0,
    bool Nesterov = false,
    double WeightDecay = 0,
    string? Warmup = null,
    IReadOnlyList<string>? Milestones = null,
    double Gamma = 0.1,
    int EvalEvery = 100,
    int? TestEvery = null)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> MilestoneList => Milestones ?? [];

    public Canonical ToCanonical() => new Canonical()
        .Add("optimizer", Optimizer)
        .Add("lr", Lr, double.NaN)
        .Add("iterations", Step.Parse(Iterations).ToString())
        .Add("momentum", Momentum, 0)
        .Add("nesterov", Nesterov, false)
        .Add("weight_decay", WeightDecay, 0)
        .Add("warmup", Warmup is null ? null : Step.Parse(Warmup).ToString())
        .Add("milestones", MilestoneList.Select(m => Step.Parse(m).ToString()))
        .Add("gamma", Gamma, 0.1)
        .Add("eval_every", EvalEvery, 100)
        .Add("test_every", TestEvery ?? EvalEvery, EvalEvery);

    public void Validate()
    {
        if (Optimizer is not ("adam" or "sgd")) throw new HparamsException($"unknown optimizer '{Optimizer}': use adam or sgd");
        if (!(Lr > 0) || double.IsInfinity(Lr)) throw new HparamsException($"learning rate must be a positive number (got {Lr})");
        ParseStep(Iterations, "iterations");
        if (Warmup is not null) ParseStep(Warmup, "warmup");
        foreach (var m in MilestoneList) ParseStep(m, "milestone");
        if (!(Momentum >= 0 && Momentum < 1)) throw new HparamsException($"momentum must be in [0, 1) (got {Momentum})");
        if (Optimizer == "adam" && (Momentum != 0 || Nesterov))
            throw new HparamsException("momentum and nesterov apply to SGD only (Adam's betas are fixed at 0.9, 0.999): drop them or use the sgd optimizer", "training.momentum");
        if (Nesterov && Momentum == 0) throw new HparamsException("nesterov needs a momentum above 0");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new HparamsException($"weight decay must be a finite number ≥ 0 (got {WeightDecay})");
        if (!(Gamma > 0) || double.IsInfinity(Gamma)) throw new HparamsException($"gamma (the step-decay factor) must be a finite number above 0 (got {Gamma})");
        if (EvalEvery < 1) throw new HparamsException($"eval-every must be at least 1 (got {EvalEvery})");
        if (TestEvery is int t && (t < EvalEvery || t % EvalEvery != 0))
            throw new HparamsException($"test-every {t} must be a multiple of eval-every {EvalEvery} (the test set is measured at measurements)");
    }

    static Step ParseStep(string text, string what)
    {
        try { return Step.Parse(text); }
        catch (FormatException e) { throw new HparamsException($"{what}: {e.Message}"); }
    }
}
