using System.Diagnostics;
using Lottery.Lottery;
using Lottery.Runs;
using Lottery.Training;
using Spectre.Console;

namespace Lottery.Cli;

/// <summary>
/// Progress of a whole run. On a terminal: a live bar per stage with iteration, rate, ETA and the latest
/// validation accuracy. Otherwise (or with --json): plain log lines on stderr, one per stage event and one
/// about every 10% of a stage, so logs of long runs stay readable.
/// </summary>
public sealed class ConsoleProgress : ILotteryObserver
{
    readonly bool _live;
    ProgressContext? _context;
    ProgressTask? _task;
    string _header = "";
    int _start, _end, _lastLogged;
    double _lastValidation = double.NaN;
    readonly Stopwatch _clock = new();
    int _clockStart;
    int _index, _count;
    readonly List<double> _stageSeconds = [];

    public ConsoleProgress(bool json)
    {
        _live = !json && !Console.IsErrorRedirected && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
    }

    /// <summary>Runs <paramref name="work"/> under the live display (or directly, for plain output).</summary>
    public T Run<T>(Func<T> work)
    {
        if (!_live) return work();
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx => { _context = ctx; result = work(); });
        _context = null;
        return result;
    }

    public void OnStage(string description, int index, int count)
    {
        _header = $"[{index}/{count}] {description}";
        (_index, _count) = (index, count);
    }

    public void OnStageSkipped(string description, StageSummary summary) =>
        Log($"{_header}: already done ({summary.PercentRemaining:0.0}% remaining, test accuracy {summary.Outcome.FinalTestAccuracy * 100:0.00}%)");

    public void OnStageDone(string description, StageSummary summary)
    {
        _stageSeconds.Add(summary.Seconds);
        if (_task is not null) { _task.Value = _task.MaxValue; _task.Description = Markup.Escape($"{_header}: done"); _task.StopTask(); _task = null; }
        Log($"{_header}: done in {summary.Seconds:0.0}s ({summary.MillisecondsPerIteration:0.00} ms/it); early stop at {summary.Outcome.EarlyStopIteration} " +
            $"with test accuracy {summary.Outcome.EarlyStopTestAccuracy * 100:0.00}%; final {summary.Outcome.FinalTestAccuracy * 100:0.00}%; {summary.PercentRemaining:0.0}% remaining");
    }

    public void OnMessage(string message) => Log(message);

    public void OnStart(string stage, int startIteration, int endIteration)
    {
        (_start, _end, _lastLogged) = (startIteration, endIteration, startIteration);
        _clock.Restart();
        _clockStart = startIteration;
        if (_context is not null)
        {
            _task = _context.AddTask(Markup.Escape(_header), maxValue: Math.Max(1, endIteration - startIteration));
        }
        else Log($"{_header}: training iterations {startIteration}..{endIteration}");
    }

    public void OnIteration(int iteration)
    {
        if (_task is null || iteration % 10 != 0) return;
        _task.Value = iteration - _start;
        double rate = (iteration - _clockStart) / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);
        var acc = double.IsNaN(_lastValidation) ? "" : $" · val acc {_lastValidation * 100:0.00}%";
        _task.Description = Markup.Escape($"{_header} · it {iteration}/{_end} · {rate:0} it/s{acc}{RunEta((_end - iteration) / Math.Max(1e-9, rate))}");
    }

    public void OnMeasurement(MetricsRow row)
    {
        _lastValidation = row.ValidationAccuracy;
        if (_context is not null) return;
        int span = Math.Max(1, (_end - _start) / 10);
        if (row.Iteration - _lastLogged >= span || row.Iteration == _end)
        {
            _lastLogged = row.Iteration;
            double rate = (row.Iteration - _clockStart) / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);
            double eta = (_end - row.Iteration) / Math.Max(1e-9, rate);
            Log($"{_header}: it {row.Iteration}/{_end} val loss {row.ValidationLoss:0.0000} val acc {row.ValidationAccuracy * 100:0.00}% test acc {row.TestAccuracy * 100:0.00}% ({rate:0} it/s, ETA {TimeSpan.FromSeconds(Math.Round(eta)):g}{RunEta(eta)})");
        }
    }

    /// <summary>Time left in the whole command: this stage's remainder plus the mean finished stage per stage to go.</summary>
    string RunEta(double stageRemaining)
    {
        if (_count <= _index) return "";
        double perStage = _stageSeconds.Count > 0 ? _stageSeconds.Average() : stageRemaining + _clock.Elapsed.TotalSeconds;
        return $", run ETA {TimeSpan.FromSeconds(Math.Round(stageRemaining + perStage * (_count - _index))):g}";
    }

    void Log(string line)
    {
        if (_context is not null) AnsiConsole.MarkupLine(Markup.Escape(line));
        else Console.Error.WriteLine(line);
    }
}
