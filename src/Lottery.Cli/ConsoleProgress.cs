using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Lottery.Lottery;
using Lottery.Runs;
using Lottery.Training;

namespace Lottery.Cli;

/// <summary>
/// Progress of a whole run, on stderr. On a terminal: one status line, redrawn in place and cut to the terminal's
/// width (stage, iteration/total, rate, ETA, latest validation accuracy, each labelled), with log lines printed
/// above it: exactly one line per finished stage. Otherwise (redirected, or --json): plain log lines, one per
/// stage event and one about every 10% of a stage, so logs of long runs stay readable.
/// Ctrl-C stops training at the next iteration; <see cref="Interrupted"/> then says what was kept and how to resume.
/// </summary>
public sealed class ConsoleProgress : ILotteryObserver
{
    readonly bool _live;
    readonly TextWriter _out = Console.Error;
    readonly CancellationTokenSource _cancel = new();
    readonly CancellationTokenSource _stop = new();
    readonly Stopwatch _clock = new();
    readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    readonly List<double> _stageSeconds = [];
    string _header = "", _short = "", _description = "";
    int _start, _end, _lastLogged, _clockStart, _iteration, _index, _count, _finished, _skipped;
    int? _checkpoint, _resumedFrom;
    double _lastValidation = double.NaN;
    bool _statusShown, _inStage;

    public ConsoleProgress(bool json)
    {
        _live = !json && !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "" or "dumb");
    }

    public CancellationToken Cancellation => _cancel.Token;

    /// <summary>Set by SIGTERM (kill, a scheduler's preemption or time limit): stop at the next measurement boundary
    /// after checkpointing there.</summary>
    public CancellationToken CheckpointAndStop => _stop.Token;

    /// <summary>Runs <paramref name="work"/> with Ctrl-C turned into a clean stop: the first press stops training at
    /// the next iteration (checkpoints and finished stages are kept), a second press ends the process at once. SIGTERM
    /// likewise, except that training goes on to the next measurement and checkpoints there first.</summary>
    public T Run<T>(Func<T> work)
    {
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            if (_cancel.IsCancellationRequested) return;   // second press: let the process end
            e.Cancel = true;
            _cancel.Cancel();
            Log("stopping after this iteration (Ctrl-C again to stop at once)…");
        }
        void OnTerminate(PosixSignalContext context)
        {
            if (_stop.IsCancellationRequested) return;   // a second SIGTERM ends the process at once
            context.Cancel = true;
            _stop.Cancel();
            Log("SIGTERM: checkpointing at the next measurement, then stopping…");
        }
        Console.CancelKeyPress += OnCancel;
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate);
        try { return work(); }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested || _stop.IsCancellationRequested)
        {
            throw new CommandInterruptedException(Interrupted(), _cancel.IsCancellationRequested ? 130 : 143);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
            ClearStatus();
        }
    }

    /// <summary>What an interrupted command kept, and how to go on: one line.</summary>
    public string Interrupted()
    {
        var kept = $"{_finished} stage{(_finished == 1 ? "" : "s")} finished" + (_skipped > 0 ? $" ({_skipped} were already done)" : "");
        var current = !_inStage ? ""
            : _checkpoint is int c ? $"; {_description} stopped at iteration {_iteration}, its checkpoint at iteration {c} is kept"
            : $"; {_description} stopped at iteration {_iteration} before its first checkpoint and restarts";
        return $"interrupted: {kept}{current}; re-run the same command to continue (finished stages are skipped)";
    }

    public void OnStage(string description, int index, int count)
    {
        _description = description;
        _header = $"[{index}/{count}] {description}";
        _short = $"[{index}/{count}] {description.Replace("replicate ", "rep ").Replace(" (dense)", "")}";
        (_index, _count) = (index, count);
        (_checkpoint, _resumedFrom, _inStage) = (null, null, false);
    }

    public void OnStageSkipped(string description, StageSummary summary)
    {
        _skipped++;
        _finished++;
        Log($"{_header}: already done ({Result(summary)})");
    }

    public void OnStageDone(string description, StageSummary summary)
    {
        _inStage = false;
        _finished++;
        _stageSeconds.Add(summary.Seconds);
        var diverged = summary.Outcome.DivergedAt is int at ? $"DIVERGED at iteration {at} (NaN or infinite loss), stopped there; " : "";
        var sessions = _resumedFrom is int r ? $", resumed from {r}" : "";
        Log($"{_header}: {diverged}done in {Duration(summary.Seconds)} ({summary.IterationsRun} it at {summary.MillisecondsPerIteration:0.00} ms/it{sessions}); {Result(summary)}");
    }

    static string Result(StageSummary s) =>
        $"{s.PercentRemaining:0.0}% remaining, early stop at {s.Outcome.EarlyStopIteration} with test accuracy " +
        $"{s.Outcome.EarlyStopTestAccuracy * 100:0.00}%, final {s.Outcome.FinalTestAccuracy * 100:0.00}%";

    public void OnMessage(string message) => Log(message);

    public void OnResume(string stage, int iteration)
    {
        _resumedFrom = iteration;
        _checkpoint = iteration;
        Log($"{_header}: resuming from its checkpoint at iteration {iteration}");
    }

    public void OnStart(string stage, int startIteration, int endIteration)
    {
        _inStage = true;
        (_start, _end) = (startIteration, endIteration);
        _iteration = _resumedFrom ?? startIteration;
        _lastLogged = _iteration;
        _clockStart = _iteration;
        _lastValidation = double.NaN;
        _clock.Restart();
    }

    public void OnCheckpoint(int iteration) => _checkpoint = iteration;

    public void OnIteration(int iteration)
    {
        _iteration = iteration;
        if (!_live || _sinceDraw.ElapsedMilliseconds < 200) return;
        _sinceDraw.Restart();
        DrawStatus();
    }

    public void OnMeasurement(MetricsRow row)
    {
        _lastValidation = row.ValidationAccuracy;
        _iteration = row.Iteration;
        if (_live) return;
        int span = Math.Max(1, (_end - _start) / 10);
        if (row.Iteration - _lastLogged >= span || row.Iteration == _end)
        {
            _lastLogged = row.Iteration;
            Log($"{_header}: it {row.Iteration}/{_end}, val loss {row.ValidationLoss:0.0000}, val acc {row.ValidationAccuracy * 100:0.00}%, " +
                (row.TestAccuracy is double test ? $"test acc {test * 100:0.00}% " : "") + $"({Rate():0} it/s, ETA {Duration(StageRemaining())}{RunEta(", run ETA ")})");
        }
    }

    double Rate() => (_iteration - _clockStart) / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);

    double StageRemaining() => (_end - _iteration) / Math.Max(1e-9, Rate());

    /// <summary>Time left in the whole command: this stage's remainder plus the mean finished stage per stage to go.</summary>
    string RunEta(string prefix)
    {
        if (_count <= _index) return "";
        double perStage = _stageSeconds.Count > 0 ? _stageSeconds.Average() : StageRemaining() + _clock.Elapsed.TotalSeconds;
        return prefix + Duration(StageRemaining() + perStage * (_count - _index));
    }

    /// <summary>The status line: fields are added in order of importance while they fit the terminal, then shown
    /// in reading order; the stage label is cut with an ellipsis only if even the essentials do not fit.</summary>
    void DrawStatus()
    {
        int width = TerminalWidth() - 1;
        bool measured = _iteration > _clockStart;
        var fields = new List<(int Order, string Text)> { (1, $"it {_iteration}/{_end}") };
        void TryAdd(int order, string text)
        {
            if (Length(fields.Append((order, text))) <= width) fields.Add((order, text));
        }
        if (measured) TryAdd(3, $"ETA {Duration(StageRemaining())}");
        if (!double.IsNaN(_lastValidation)) TryAdd(4, $"val acc {_lastValidation * 100:0.00}%");
        if (measured) TryAdd(2, $"{Rate():0} it/s");
        if (measured) TryAdd(5, RunEta("run ETA "));
        var tail = string.Join(" · ", fields.Where(f => f.Text.Length > 0).OrderBy(f => f.Order).Select(f => f.Text));
        int room = width - tail.Length - 3;
        var label = _short.Length <= room ? _short : room > 1 ? _short[..(room - 1)] + "…" : "";
        var line = label.Length > 0 ? $"{label} · {tail}" : tail;
        if (line.Length > width) line = line[..width];
        _out.Write("\r" + line + "\u001b[K");
        _out.Flush();
        _statusShown = true;

        int Length(IEnumerable<(int, string Text)> f) => _short.Length + f.Sum(x => x.Text.Length + 3);
    }

    static int TerminalWidth()
    {
        try { return Console.WindowWidth is > 10 and var w ? w : 80; }
        catch (IOException) { return 80; }
    }

    void ClearStatus()
    {
        if (!_statusShown) return;
        _out.Write("\r\u001b[K");
        _out.Flush();
        _statusShown = false;
    }

    void Log(string line)
    {
        bool redraw = _statusShown && _inStage;
        ClearStatus();
        if (_live) foreach (var part in Wrap(line, TerminalWidth() - 1)) _out.WriteLine(part);
        else _out.WriteLine(line);
        if (redraw) DrawStatus();
    }

    /// <summary>On a terminal, long lines are wrapped at spaces (continuations indented) instead of by the terminal,
    /// so every line fits and nothing is left behind when the status line is redrawn.</summary>
    static IEnumerable<string> Wrap(string line, int width)
    {
        const string indent = "    ";
        while (line.Length > width)
        {
            int cut = line.LastIndexOf(' ', width - 1);
            if (cut <= indent.Length) cut = width;
            yield return line[..cut].TrimEnd();
            line = indent + line[cut..].TrimStart();
        }
        yield return line;
    }

    static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0) return "?";
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes}:{t.Seconds:00}";
    }
}

/// <summary>The command was stopped on request; the message says what was kept and how to continue. Exit 130 after
/// Ctrl-C, 143 after SIGTERM (the shells' 128 + signal).</summary>
public sealed class CommandInterruptedException(string message, int exitCode = 130) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
