namespace Lottery.Hparams;

/// <summary>A hyperparameter the user gave is invalid. The message is one line meant for the user.</summary>
public sealed class HparamsException(string message) : Exception(message);
