using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Spindle.Processes;

/// <summary>
/// A worker's standard output when it goes to a logger (<see cref="WorkerOutput.Logger"/>): read from its pipe on a
/// thread of its own and logged line by line (<see cref="WorkerOutputLog"/>). With <see cref="WorkerOutput.Console"/>
/// the worker inherits this process's standard output and nothing reads it here.
/// </summary>
internal sealed class WorkerStdout
{
    private const int ChunkBytes = 16 * 1024;

    private readonly FileStream _pipe;
    private readonly WorkerOutputLog _log;

    /// <summary>Starts reading the pipe's read end <paramref name="readDescriptor"/>, which this object now owns.</summary>
    public WorkerStdout(int readDescriptor, int processId, WorkerOutputLog log)
    {
        _pipe = new FileStream(new SafeFileHandle(readDescriptor, ownsHandle: true), FileAccess.Read, bufferSize: 0);
        _log = log;
        new Thread(ReadLoop) { IsBackground = true, Name = $"Spindle worker {processId} stdout" }.Start();
    }

    private void ReadLoop()
    {
        byte[] bytes = new byte[ChunkBytes];
        char[] chars = new char[Encoding.UTF8.GetMaxCharCount(ChunkBytes)];
        Decoder decoder = Encoding.UTF8.GetDecoder();
        using IDisposable? scope = _log.BeginScope();
        try
        {
            int read;
            while ((read = _pipe.Read(bytes, 0, bytes.Length)) > 0)
            {
                int count = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
                _log.Append(chars.AsSpan(0, count));
            }
        }
        catch (IOException)
        {
            // A broken pipe ends the output like end of file.
        }
        finally
        {
            _log.Flush();
            _pipe.Dispose();
        }
    }
}
