using System.Text;

namespace Spindle.Calls;

/// <summary>
/// Reads what a user's exception says about itself without trusting it. <see cref="Exception.Message"/> and
/// <see cref="Exception.StackTrace"/> are virtual: a getter may throw, and an <see cref="AggregateException"/>'s message
/// reads its inner exceptions' messages recursively, deeper than a stack holds when they are nested deep enough or form a
/// cycle. Whatever cannot be read is described in its place, so describing an exception never fails — in a worker
/// process, a description that threw took the whole worker down with the call.
/// </summary>
internal static class ExceptionDescription
{
    /// <summary>The most exceptions of one chain (the exception, its inner exception, that one's…) that are described.</summary>
    public const int MaxChain = 8;

    /// <summary>How many inner exceptions past <see cref="MaxChain"/> are counted before the count gives up.</summary>
    private const int MaxCounted = 10_000;

    /// <summary>
    /// The deepest nesting of AggregateExceptions whose message is read. Reading it recurses once per level, a few hundred
    /// bytes of stack each; 100 levels stay far inside the smallest stack a call may run on.
    /// </summary>
    private const int MaxAggregateNesting = 100;

    /// <summary>How many inner exceptions of an AggregateException are walked to check its nesting before giving up.</summary>
    private const int MaxAggregateWalk = 100_000;

    /// <summary>The exception's full type name; read from the runtime type, which user code cannot override.</summary>
    public static string TypeName(Exception exception)
    {
        Type type = exception.GetType();
        return type.FullName ?? type.Name;
    }

    /// <summary>The exception's message, or a note saying why it could not be read.</summary>
    public static string Message(Exception exception) => Message(exception, nested: false);

    /// <summary>The exception's stack trace, or a note saying why it could not be read.</summary>
    public static string? StackTrace(Exception exception) => Read(exception, static e => e.StackTrace, "StackTrace", nested: false);

    /// <summary>
    /// The exception and its inner exceptions (an AggregateException's first one), at most <see cref="MaxChain"/>, with
    /// <paramref name="rest"/> saying what was left out: a cycle back to an exception already in the chain, or how many more.
    /// </summary>
    public static List<Exception> Chain(Exception exception, out string? rest)
    {
        var chain = new List<Exception>();
        // By reference: Equals and GetHashCode are virtual too.
        var seen = new HashSet<Exception>(ReferenceEqualityComparer.Instance);
        Exception? current = exception;
        while (current is not null && chain.Count < MaxChain && seen.Add(current))
        {
            chain.Add(current);
            current = current.InnerException;
        }

        rest = current is null ? null : Remaining(current, seen);
        return chain;
    }

    /// <summary>
    /// Text like <see cref="Exception.ToString"/> for printing, built from the careful reads above: the exception's own
    /// ToString is user code, and recurses through the chain however deep or cyclic it is.
    /// </summary>
    public static string Describe(Exception exception)
    {
        List<Exception> chain = Chain(exception, out string? rest);
        var text = new StringBuilder();
        for (int i = 0; i < chain.Count; i++)
        {
            if (i > 0)
            {
                text.AppendLine().Append(" ---> ");
            }

            text.Append(TypeName(chain[i])).Append(": ").Append(Message(chain[i]));
            if (StackTrace(chain[i]) is { Length: > 0 } stack)
            {
                text.AppendLine().Append(stack);
            }
        }

        if (rest is not null)
        {
            text.AppendLine().Append(" ---> ").Append(rest);
        }

        return text.ToString();
    }

    private static string Message(Exception exception, bool nested)
    {
        if (exception is AggregateException aggregate && Tangle(aggregate) is { } tangle)
        {
            return $"<Message not read: {tangle}>";
        }

        return Read(exception, static e => e.Message, "Message", nested) ?? string.Empty;
    }

    private static string? Read(Exception exception, Func<Exception, string?> getter, string member, bool nested)
    {
        try
        {
            return getter(exception);
        }
        catch (Exception thrown)
        {
            // What the getter threw is a user's exception too: its message is read the same careful way, once, not
            // on and on through getters that keep throwing.
            string detail = nested ? string.Empty : ": " + Message(thrown, nested: true);
            return $"<{member} getter threw {TypeName(thrown)}{detail}>";
        }
    }

    /// <summary>What the chain holds past the part described, from <paramref name="next"/> on.</summary>
    private static string Remaining(Exception next, HashSet<Exception> seen)
    {
        int count = 0;
        for (Exception? current = next; current is not null; current = current.InnerException)
        {
            if (!seen.Add(current))
            {
                return count == 0
                    ? $"<the chain goes on in a cycle: the next inner exception is the {TypeName(current)} already described>"
                    : $"<{count} more inner exceptions not shown, then a cycle back to one already listed>";
            }

            if (++count > MaxCounted)
            {
                return $"<more than {MaxCounted} more inner exceptions not shown>";
            }
        }

        return $"<{count} more inner exceptions not shown>";
    }

    /// <summary>
    /// Why <paramref name="aggregate"/>'s message cannot be read safely — inner AggregateExceptions nested past
    /// <see cref="MaxAggregateNesting"/>, in a cycle, or too many to check — or null when it can.
    /// </summary>
    private static string? Tangle(AggregateException aggregate)
    {
        var path = new HashSet<Exception>(ReferenceEqualityComparer.Instance) { aggregate };
        var stack = new Stack<(AggregateException Aggregate, int Next)>();
        stack.Push((aggregate, 0));
        int walked = 0;
        while (stack.TryPop(out (AggregateException Aggregate, int Next) top))
        {
            System.Collections.ObjectModel.ReadOnlyCollection<Exception> inner = top.Aggregate.InnerExceptions;
            if (top.Next == inner.Count)
            {
                path.Remove(top.Aggregate);
                continue;
            }

            stack.Push((top.Aggregate, top.Next + 1));
            if (++walked > MaxAggregateWalk)
            {
                return $"it holds more than {MaxAggregateWalk} inner exceptions";
            }

            if (inner[top.Next] is AggregateException nested)
            {
                if (!path.Add(nested))
                {
                    return "its inner exceptions contain one of the AggregateExceptions that hold them (a cycle)";
                }

                if (stack.Count >= MaxAggregateNesting)
                {
                    return $"its inner AggregateExceptions are nested more than {MaxAggregateNesting} deep";
                }

                stack.Push((nested, 0));
            }
        }

        return null;
    }
}
