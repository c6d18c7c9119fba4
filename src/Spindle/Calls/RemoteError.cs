using Spindle.Wire;

namespace Spindle.Calls;

/// <summary>An exception as it crosses back from a worker: type name, message, stack trace, inner exceptions.</summary>
internal static class RemoteError
{
    /// <summary>
    /// Writes <paramref name="exception"/> and its inner exceptions as the worker can read them: nothing a user's
    /// exception does while being described (a getter that throws, a cycle) stops the description.
    /// </summary>
    public static void Write(WireWriter writer, Exception exception)
    {
        List<Exception> chain = ExceptionDescription.Chain(exception, out string? rest);
        for (int i = 0; i < chain.Count; i++)
        {
            string message = ExceptionDescription.Message(chain[i]);
            writer.WriteByte(1);
            writer.WriteString(ExceptionDescription.TypeName(chain[i]));
            writer.WriteString(i == chain.Count - 1 && rest is not null ? $"{message} {rest}" : message);
            writer.WriteString(ExceptionDescription.StackTrace(chain[i]));
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
