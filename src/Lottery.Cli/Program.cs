using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json.Nodes;
using Lottery.Cli.Commands;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Runs;

namespace Lottery.Cli;

/// <summary>
/// The `lottery` program. Every failure ends in one line on stderr starting with "error:" that names the problem
/// and the fix (and, with --json, one JSON object with the same message on stdout): exit 2 for what the parser
/// rejects, 1 for everything else, 130 when interrupted with Ctrl-C.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("lottery: find, check and study winning lottery tickets (Frankle & Carbin 2019)");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(LotteryCommands.Find());
        root.Subcommands.Add(LotteryCommands.OneShot());
        foreach (var c in BranchCommands.Create()) root.Subcommands.Add(c);
        root.Subcommands.Add(InspectCommands.Runs());
        root.Subcommands.Add(InspectCommands.Show());
        root.Subcommands.Add(InspectCommands.Presets());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ReproduceCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(SlurmCommand.Create());

        bool json = args.Contains("--json");
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            var command = parsed.CommandResult.Command;
            // The whole path of the command (`lottery slurm find`), for its help.
            var path = new List<string>();
            for (SymbolResult? r = parsed.CommandResult; r is CommandResult c && c.Command != root; r = r.Parent) path.Insert(0, c.Command.Name);
            var name = string.Join(' ', ["lottery", .. path]);
            // An unknown command also makes "no command given": name the unknown one.
            var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
            return Fail(2, $"{Explain(error.Message, command == root, command)} (see `{name} --help`)", json);
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CommandInterruptedException e)
        {
            Console.Error.WriteLine(e.Message);
            if (json) Output.Print(new JsonObject { ["error"] = e.Message, ["exit_code"] = e.ExitCode });
            return e.ExitCode;
        }
        catch (HparamsException e)
        {
            // The library names hyperparameters in words; here they are flags.
            var flag = e.Field is { } f ? ExperimentOptions.FlagOf.GetValueOrDefault(f) : null;
            return Fail(1, flag is null || e.Message.StartsWith(flag, StringComparison.Ordinal) ? e.Message : $"{flag}: {e.Message}", json);
        }
        catch (Exception e) when (e is Cluster.SlurmException or DataException or RunFileException or FormatException or OverflowException
                                      or IOException or UnauthorizedAccessException)
        {
            return Fail(1, e.Message, json);
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("LOTTERY_DEBUG") != "1")
        {
            return Fail(70, $"unexpected {e.GetType().Name}: {e.Message} (a bug: please report it; set LOTTERY_DEBUG=1 for the stack trace)", json);
        }
    }

    static int Fail(int code, string message, bool json)
    {
        message = OneLine(message);
        Console.Error.WriteLine($"error: {message}");
        if (json) Output.Print(new JsonObject { ["error"] = message, ["exit_code"] = code });
        return code;
    }

    /// <summary>The parser's messages, reworded where they read like a library's rather than this program's.</summary>
    static string Explain(string message, bool atRoot, Command root)
    {
        const string unrecognized = "Unrecognized command or argument '";
        if (message.StartsWith(unrecognized, StringComparison.Ordinal))
        {
            var token = message[unrecognized.Length..].TrimEnd('.').TrimEnd('\'');
            var commands = string.Join(", ", root.Subcommands.Select(c => c.Name));
            if ((atRoot || root.Subcommands.Count > 0) && !token.StartsWith('-')) return $"unknown command '{token}': the commands are {commands}";
            return token.StartsWith('-') ? $"unknown flag '{token}'" : $"unexpected argument '{token}'";
        }
        const string missingFor = "Required argument missing for option: '";
        if (message.StartsWith(missingFor, StringComparison.Ordinal))
            return $"{message[missingFor.Length..].TrimEnd('.').TrimEnd('\'')} needs a value";
        if (message.StartsWith("Required argument '", StringComparison.Ordinal) && message.Contains("missing for command"))
            return $"{message.Split('\'')[3]} needs a RUN argument: a run directory, name or hash prefix (`lottery runs` lists them)";
        if (message.StartsWith("Cannot parse argument '", StringComparison.Ordinal))
        {
            // Flags without a parser of their own (booleans): "Cannot parse argument 'x' for option '--y' as expected type '…'".
            var parts = message.Split('\'');
            if (parts.Length >= 4) return $"{parts[3]}: '{parts[1]}' is not a valid value";
        }
        if (message.StartsWith("Option '", StringComparison.Ordinal) && message.Contains("expects a single argument"))
            return $"{message.Split('\'')[1]} is given more than once: give it once";
        if (message.StartsWith("Required command was not provided", StringComparison.Ordinal))
            return $"no command given: the commands are {string.Join(", ", root.Subcommands.Select(c => c.Name))}";
        return message.TrimEnd('.');
    }

    static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
