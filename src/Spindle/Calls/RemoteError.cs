using Spindle.Wire;

namespace Spindle.Calls;

/// <summary>An exception as it crosses back from a worker: type name, message, stack trace, inner exceptions.</summary>
internal static class RemoteError
{
    public static void Write(WireWriter writer, Exception exception)
    {
        int depth = 0;
        for (Exception? e = exception; e is not null && depth < 8; e = e.InnerException, depth++)
        {
            writer.WriteByte(1);
            writer.WriteString(e.GetType().FullName ?? e.GetType().Name);
            writer.WriteString(e.Message);
            writer.WriteString(e.StackTrace);
        }

        writer.WriteByte(0);
    }

    public static RemoteException Read(ref WireReader reader, int workerProcessId)
    {
        var chain = new List<(string Type, string Message, string? Stack)>();
        while (reader.ReadByte() == 1)
        {
            chain.Add((reader.ReadString() ?? "?", reader.ReadString() ?? string.Empty, reader.ReadString()));
        }

        RemoteException? inner = null;
        for (int i = chain.Count - 1; i >= 0; i--)
        {
            inner = new RemoteException(chain[i].Type, chain[i].Message, chain[i].Stack, workerProcessId, inner);
        }

        return inner ?? new RemoteException("?", "The worker reported an error without details.", null, workerProcessId);
    }
}
