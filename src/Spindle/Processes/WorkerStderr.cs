using System.Text;
using Microsoft.Win32.SafeHandles;
using Spindle.Interop;

namespace Spindle.Processes;

/// <summary>
/// A worker's standard error: read from its pipe on a thread of its own, forwarded to this process's
/// <see cref="Console.Error"/> as it arrives (or logged line by line, <see cref="WorkerOutput.Logger"/>), and the last lines kept for crash reports, plus the runtime's own crash
/// headline ("Stack overflow.", "Unhandled exception.", …), which a long stack trace would push out.
/// </summary>
/// <remarks>
/// Memory stays bounded whatever the worker writes (a <c>\r</c> progress bar never ends its line): output is forwarded
/// in the chunks it is read in, never gathered into lines, and the tail keeps at most <see cref="TailLines"/> lines of at
/// most <see cref="TailLineChars"/> characters. The pipe's write end is inherited by the worker's own children, so its
/// end of file says nothing about the worker's exit; <see cref="WaitForEnd"/> only gives the last words time to arrive.
/// A child that left the worker's process group (<c>setsid</c>, a daemon) outlives the group's end and may hold the pipe
/// for ever: after the last words' grace the owner calls <see cref="Abandon"/>, and the reader stops, closing its end,
/// so no thread or descriptor stays behind per dead worker.
/// </remarks>
internal sealed class WorkerStderr
{
    public const int TailLines = 20;
    public const int TailLineChars = 1024;
    private const int ChunkBytes = 16 * 1024;
    private static readonly string[] Headlines = ["Stack overflow", "Unhandled exception", "Process terminated", "FailFast", "OutOfMemory", WorkerCallLoop.MemoryLimitMessage];

    private readonly FileStream _pipe;
    private readonly int _readDescriptor;
    private int _wakeup;
    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _partial = new();
    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim _ended = new();
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private readonly WorkerOutputLog? _log;

    /// <summary>
    /// Lines kept even when the tail has moved past them: the first line naming each kind of death (<see cref="Headlines"/>),
    /// and the line after the first of them (the runtime writes "Process terminated." on a line of its own, and the
    /// message after it). A deep stack otherwise pushes them out, and the crash's cause with them.
    /// </summary>
    private readonly List<string> _kept = [];
    private readonly HashSet<string> _keptKinds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keptDropped = new(ReferenceEqualityComparer.Instance);
    private bool _keepNext;
    private bool _partialCut;

    /// <summary>
    /// Starts reading the pipe's read end <paramref name="readDescriptor"/>, which this object now owns; the output goes
    /// to <paramref name="log"/> line by line, or to <see cref="Console.Error"/> without one.
    /// </summary>
    public WorkerStderr(int readDescriptor, int processId, WorkerOutputLog? log = null)
    {
        _log = log;
        _readDescriptor = readDescriptor;
        _wakeup = Native.CreateWakeup();
        _pipe = new FileStream(new SafeFileHandle(readDescriptor, ownsHandle: true), FileAccess.Read, bufferSize: 0);
        new Thread(ReadLoop) { IsBackground = true, Name = $"Spindle worker {processId} stderr" }.Start();
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the end of the output (every writer gone).</summary>
    public bool WaitForEnd(TimeSpan timeout) => _ended.Wait(timeout);

    /// <summary>Stops reading though writers remain (children that escaped the worker's group); what they write later is lost.</summary>
    public void Abandon()
    {
        lock (_gate)
        {
            if (_wakeup >= 0)
            {
                Native.Wake(_wakeup);
            }
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            IEnumerable<string> lines = _partial.Length > 0 ? _lines.Append(_partial.ToString()) : _lines;
            string tail = string.Join(Environment.NewLine, lines);
            string[] dropped = _kept.Where(_keptDropped.Contains).ToArray();
            return dropped.Length > 0 ? $"{string.Join(Environment.NewLine, dropped)}{Environment.NewLine}…{Environment.NewLine}{tail}" : tail;
        }
    }

    private void ReadLoop()
    {
        byte[] bytes = new byte[ChunkBytes];
        char[] chars = new char[Encoding.UTF8.GetMaxCharCount(ChunkBytes)];
        using IDisposable? scope = _log?.BeginScope();
        try
        {
            int read;
            while (Readable() && (read = _pipe.Read(bytes, 0, bytes.Length)) > 0)
            {
                int count = _decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
                if (_log is null)
                {
                    Console.Error.Write(chars, 0, count);
                }
                else
                {
                    _log.Append(chars.AsSpan(0, count));
                }

                Keep(chars.AsSpan(0, count));
            }
        }
        catch (IOException)
        {
            // A broken pipe ends the output like end of file.
        }
        finally
        {
            _log?.Flush();
            _pipe.Dispose();
            lock (_gate)
            {
                if (_wakeup >= 0)
                {
                    _ = Native.CloseDescriptor(_wakeup);
                    _wakeup = -1;
                }
            }

            _ended.Set();
        }
    }

    /// <summary>Waits for output or end of file; false once <see cref="Abandon"/> was called.</summary>
    private bool Readable() => _wakeup < 0 || Native.WaitReadable(_readDescriptor, _wakeup);

    private void Keep(ReadOnlySpan<char> text)
    {
        lock (_gate)
        {
            foreach (char c in text)
            {
                if (c == '\n')
                {
                    EndLine();
                }
                else if (_partial.Length < TailLineChars)
                {
                    _partial.Append(c);
                }
                else
                {
                    _partialCut = true;
                }
            }
        }
    }

    private void EndLine()
    {
        if (_partial.Length > 0 && _partial[^1] == '\r')
        {
            _partial.Length--;
        }

        string line = _partialCut ? _partial.Append('…').ToString() : _partial.ToString();
        _partial.Clear();
        _partialCut = false;
        bool keep = _keepNext;
        _keepNext = false;
        foreach (string kind in Headlines)
        {
            if (line.Contains(kind, StringComparison.Ordinal) && _keptKinds.Add(kind))
            {
                // The first headline of all: the line after it says what it is about.
                _keepNext |= _kept.Count == 0;
                keep = true;
            }
        }

        if (keep)
        {
            _kept.Add(line);
        }

        _lines.Enqueue(line);
        if (_lines.Count > TailLines && _lines.Dequeue() is { } gone && _kept.Contains(gone, ReferenceEqualityComparer.Instance))
        {
            _keptDropped.Add(gone);
        }
    }
}
