using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Lottery.Hparams;
using Lottery.Runs;
using Lottery.Tickets;

namespace Lottery.Cli.Commands;

/// <summary>`lottery export RUN --level L --out DIR`: a ticket as safetensors, TorchSharp state dicts and JSON.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("run") { Description = "Run directory, name, or unique hash prefix (see `lottery runs`)" };
        var level = Flags.Integer("--level", "Level of an iterative run whose ticket to export (0 = the dense network)", min: 0);
        var percent = Flags.Text("--target", "One-shot runs: the percent remaining whose ticket to export, e.g. 21.1");
        var replicate = Flags.Integer("--replicate", "Replicate", 1, min: 1);
        var output = Flags.Text("--out", "Directory to write ticket.safetensors, start.dat, trained.dat and ticket.json into");
        var runsDir = Flags.Text("--runs-dir", "Where run directories live (or LOTTERY_RUNS; default ./runs)");
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("export", "Write a ticket (mask, starting and trained weights) as safetensors and TorchSharp state dicts, described in JSON")
            { target, level, percent, replicate, output, runsDir, json };
        command.SetAction(p =>
        {
            var outDir = p.GetValue(output) ?? throw new HparamsException("--out is missing: name the directory to write the ticket into");
            if (string.IsNullOrWhiteSpace(outDir)) throw new HparamsException("--out is empty: name the directory to write the ticket into");
            if (File.Exists(outDir)) throw new HparamsException($"--out {outDir} is a file: name a directory");
            var dir = RunCatalog.Resolve(CliRuntime.RunsRoot(p.GetValue(runsDir)), p.GetValue(target)!);
            int r = p.GetValue(replicate);
            var lv = p.GetValue(level);
            var pc = p.GetValue(percent);
            if ((lv is null) == (pc is null))
                throw new HparamsException("give one of --level (iterative runs) or --target (one-shot runs): which ticket to export");
            TicketExport export;
            if (pc is not null)
            {
                if (!double.TryParse(pc.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || !(t > 0 && t < 100))
                    throw new HparamsException($"malformed --target '{pc}': write a percent remaining in (0, 100), e.g. 21.1");
                export = TicketExport.WriteTarget(dir, r, t, outDir);
            }
            else export = TicketExport.Write(dir, r, lv!.Value, outDir);
            if (p.GetValue(json))
                Output.Print(new JsonObject
                {
                    ["directory"] = Path.GetFullPath(export.Directory), ["safetensors"] = Path.GetFullPath(export.SafeTensors),
                    ["start_state_dict"] = Path.GetFullPath(export.StartStateDict), ["trained_state_dict"] = Path.GetFullPath(export.TrainedStateDict),
                    ["description"] = Path.GetFullPath(export.Description),
                });
            else
                Console.WriteLine($"ticket written to {export.Directory}: {TicketExport.SafeTensorsFile}, start.dat, trained.dat, {TicketExport.DescriptionFile}");
            return 0;
        });
        return command;
    }
}
