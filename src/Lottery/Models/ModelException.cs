namespace Lottery.Models;

/// <summary>A network the library cannot run the lottery procedure on (a layer kind it does not know, a parameter the
/// arena cannot place, a builder that returns nothing). The message names the module and what to do.</summary>
public sealed class ModelException(string message) : Exception(message);
