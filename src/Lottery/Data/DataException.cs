namespace Lottery.Data;

/// <summary>
/// A data problem the user can fix (missing, corrupted or undownloadable files). The CLI prints only the
/// message, never a stack trace, so every message is one self-contained line: what is wrong, which file
/// or places, and what to do about it.
/// </summary>
public sealed class DataException : Exception
{
    public DataException(string message) : base(OneLine(message)) { }

    public DataException(string message, Exception inner) : base(OneLine(message), inner) { }

    // Messages are built from paths and inner exception texts that may carry line breaks; a user-facing
    // line must stay one line so logs and terminals show it whole.
    static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
