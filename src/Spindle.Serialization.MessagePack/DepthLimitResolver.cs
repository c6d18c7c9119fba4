using System.Diagnostics.CodeAnalysis;
using MessagePack;
using MessagePack.Formatters;

namespace Spindle.Serialization.MessagePack;

/// <summary>
/// Wraps a resolver so that writing stops, with an exception, past <see cref="MaxDepth"/> nested values. MessagePack
/// limits depth only when reading; writing a cycle (a node that points at itself) or a very deep chain recursed until
/// the stack overflowed, which no catch can stop: the caller's process ended. JSON stops at the same depth.
/// </summary>
internal sealed class DepthLimitResolver(IFormatterResolver inner) : IFormatterResolver
{
    /// <summary>As System.Text.Json's default; a graph deeper than this is taken for a cycle.</summary>
    public const int MaxDepth = 256;

    [ThreadStatic]
    private static int _depth;

    public IMessagePackFormatter<T>? GetFormatter<T>() =>
        inner.GetFormatter<T>() is { } formatter ? new Limited<T>(formatter) : null;

    private sealed class Limited<T>(IMessagePackFormatter<T> formatter) : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        {
            if (_depth >= MaxDepth)
            {
                throw new MessagePackSerializationException(
                    $"the value nests more than {MaxDepth} levels deep while writing {typeof(T)}: a cycle (an object that refers back to itself), or a chain too deep to send");
            }

            _depth++;
            try
            {
                formatter.Serialize(ref writer, value, options);
            }
            finally
            {
                _depth--;
            }
        }

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => formatter.Deserialize(ref reader, options);
    }
}
