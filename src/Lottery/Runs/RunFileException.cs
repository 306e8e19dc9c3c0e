namespace Lottery.Runs;

/// <summary>A file of a run is missing, corrupted or in use. The message names the file and what to do.</summary>
public sealed class RunFileException(string message) : Exception(message);
