using System.CommandLine;
using Lottery.Cli.Commands;
using Lottery.Data;
using Lottery.Hparams;
using Lottery.Runs;

namespace Lottery.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("lottery: find, check and study winning lottery tickets (Frankle & Carbin 2019)");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(LotteryCommands.Find());
        root.Subcommands.Add(LotteryCommands.OneShot());
        foreach (var c in ControlCommands.Create()) root.Subcommands.Add(c);
        root.Subcommands.Add(InspectCommands.Runs());
        root.Subcommands.Add(InspectCommands.Show());
        root.Subcommands.Add(InspectCommands.Presets());
        root.Subcommands.Add(BenchCommand.Create());

        if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 180;
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            var command = parsed.CommandResult.Command;
            var name = command == root ? "lottery" : $"lottery {command.Name}";
            Console.Error.WriteLine($"error: {parsed.Errors[0].Message} (see `{name} --help`)");
            return 2;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is HparamsException or DataException or RunFileException or FormatException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {OneLine(e.Message)}");
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("LOTTERY_DEBUG") != "1")
        {
            Console.Error.WriteLine($"error: unexpected {e.GetType().Name}: {OneLine(e.Message)} (set LOTTERY_DEBUG=1 for the stack trace)");
            return 70;
        }
    }

    static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
