namespace Spindle.Processes;

/// <summary>
/// Forwards a worker's stderr to ours line by line and keeps the last lines for crash reports, plus the runtime's
/// own crash headline ("Stack overflow.", "Unhandled exception.", …), which a long stack trace would push out.
/// </summary>
internal sealed class StderrTail
{
    private const int Lines = 20;
    private static readonly string[] Headlines = ["Stack overflow", "Unhandled exception", "Process terminated", "FailFast", "OutOfMemory", WorkerSession.MemoryLimitMessage];
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();
    private string? _headline;
    private bool _headlineDropped;

    public void Add(string line)
    {
        Console.Error.WriteLine(line);
        lock (_gate)
        {
            if (_headline is null && Array.Exists(Headlines, h => line.Contains(h, StringComparison.Ordinal)))
            {
                _headline = line;
            }

            _lines.Enqueue(line);
            if (_lines.Count > Lines && ReferenceEquals(_lines.Dequeue(), _headline))
            {
                _headlineDropped = true;
            }
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            string tail = string.Join(Environment.NewLine, _lines);
            return _headlineDropped ? $"{_headline}{Environment.NewLine}…{Environment.NewLine}{tail}" : tail;
        }
    }
}
