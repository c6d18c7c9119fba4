namespace Spindle.Processes;

/// <summary>Forwards a worker's stderr to ours line by line and keeps the last lines for crash reports.</summary>
internal sealed class StderrTail
{
    private const int Lines = 20;
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string line)
    {
        Console.Error.WriteLine(line);
        lock (_gate)
        {
            _lines.Enqueue(line);
            if (_lines.Count > Lines)
            {
                _lines.Dequeue();
            }
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return string.Join(Environment.NewLine, _lines);
        }
    }
}
