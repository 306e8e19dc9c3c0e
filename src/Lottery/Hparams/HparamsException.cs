namespace Lottery.Hparams;

/// <summary>A hyperparameter the user gave is invalid. The message is one line meant for the user, naming the
/// hyperparameter in words (never a command-line flag: the command line adds its flag where it knows one).</summary>
/// <param name="field">The hyperparameter, as a dotted path of the records (e.g. "training.momentum"), when one is to blame.</param>
public sealed class HparamsException(string message, string? field = null) : Exception(message)
{
    public string? Field { get; } = field;
}
