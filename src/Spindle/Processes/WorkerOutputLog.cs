using Microsoft.Extensions.Logging;

namespace Spindle.Processes;

/// <summary>
/// One of a worker's output streams turned into log entries (<see cref="WorkerOutput.Logger"/>): one entry per line, in
/// the pool's <c>Spindle.Worker.{pool}</c> category, under a scope naming the worker's pid.
/// </summary>
/// <remarks>
/// Memory stays bounded whatever the worker writes: a line is gathered in a buffer of <see cref="MaxLineChars"/>
/// characters, and a line longer than that (a progress bar that never ends its line, 256 MiB without a newline) is
/// logged in pieces of that size as it arrives.
/// </remarks>
internal sealed class WorkerOutputLog
{
    public const int MaxLineChars = 16 * 1024;

    private static readonly Action<ILogger, string, Exception?> StandardOutputLine =
        LoggerMessage.Define<string>(LogLevel.Information, new EventId(1, "WorkerStandardOutput"), "{Line}");

    private static readonly Action<ILogger, string, Exception?> StandardErrorLine =
        LoggerMessage.Define<string>(LogLevel.Warning, new EventId(2, "WorkerStandardError"), "{Line}");

    private static readonly Func<ILogger, int, IDisposable?> WorkerScope =
        LoggerMessage.DefineScope<int>("Spindle worker process {WorkerProcessId}");

    private readonly ILogger _logger;
    private readonly Action<ILogger, string, Exception?> _log;
    private readonly int _processId;
    private readonly char[] _line = new char[MaxLineChars];
    private int _length;
    private bool _pieceLogged;

    private WorkerOutputLog(ILogger logger, Action<ILogger, string, Exception?> log, int processId)
    {
        _logger = logger;
        _log = log;
        _processId = processId;
    }

    /// <summary>The worker's standard output, logged at Information.</summary>
    public static WorkerOutputLog StandardOutput(ILogger logger, int processId) => new(logger, StandardOutputLine, processId);

    /// <summary>The worker's standard error, logged at Warning.</summary>
    public static WorkerOutputLog StandardError(ILogger logger, int processId) => new(logger, StandardErrorLine, processId);

    /// <summary>The scope every entry of this stream is logged in; the reading thread holds it while it reads.</summary>
    public IDisposable? BeginScope() => WorkerScope(_logger, _processId);

    /// <summary>Logs each line <paramref name="text"/> completes, and a piece of <see cref="MaxLineChars"/> when a line grows that long.</summary>
    public void Append(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (c == '\n')
            {
                if (_length > 0 && _line[_length - 1] == '\r')
                {
                    _length--;
                }

                // A line that ended right after a full piece was logged has nothing left to log.
                if (_length > 0 || !_pieceLogged)
                {
                    Emit();
                }

                _pieceLogged = false;
            }
            else
            {
                _line[_length++] = c;
                if (_length == MaxLineChars)
                {
                    // Logged now, not when more comes: output that stops here must not wait in the buffer.
                    Emit();
                    _pieceLogged = true;
                }
            }
        }
    }

    /// <summary>At the end of the stream: logs a last line that had no newline.</summary>
    public void Flush()
    {
        if (_length > 0)
        {
            Emit();
        }
    }

    private void Emit()
    {
        string line = new(_line, 0, _length);
        _length = 0;
        _log(_logger, line, null);
    }
}
