using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spindle.Calls.Serialization.Json;

/// <summary>
/// Stacks (<see cref="Stack{T}"/>, <see cref="ConcurrentStack{T}"/>, <see cref="ImmutableStack{T}"/>, <see cref="Stack"/>)
/// that keep their order. System.Text.Json writes a stack top first, as it enumerates, and reads it back by pushing
/// the items in that order, so the stack arrived upside down; this writes the same array and pushes from the bottom.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2055", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2071", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal sealed class StackConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert == typeof(Stack) || (typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() is { } definition
            && (definition == typeof(Stack<>) || definition == typeof(ConcurrentStack<>) || definition == typeof(ImmutableStack<>)));

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options)
    {
        if (typeToConvert == typeof(Stack))
        {
            return new StackConverter<Stack, object?>(bottomUp => new Stack(bottomUp));
        }

        Type item = typeToConvert.GetGenericArguments()[0];
        Type definition = typeToConvert.GetGenericTypeDefinition();
        string builder = definition == typeof(Stack<>) ? nameof(NewStack) : definition == typeof(ConcurrentStack<>) ? nameof(NewConcurrentStack) : nameof(NewImmutableStack);
        return (JsonConverter)typeof(StackConverterFactory).GetMethod(builder, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(item).Invoke(null, null)!;
    }

    private static JsonConverter NewStack<T>() => new StackConverter<Stack<T>, T>(bottomUp => new Stack<T>(bottomUp));

    private static JsonConverter NewConcurrentStack<T>() => new StackConverter<ConcurrentStack<T>, T>(bottomUp => new ConcurrentStack<T>(bottomUp));

    private static JsonConverter NewImmutableStack<T>() => new StackConverter<ImmutableStack<T>, T>(ImmutableStack.CreateRange);

    /// <summary>Writes <typeparamref name="TStack"/> top first and builds it back from an array pushed bottom first.</summary>
    private sealed class StackConverter<TStack, T>(Func<T[], TStack> fromBottomUp) : JsonConverter<TStack>
        where TStack : IEnumerable
    {
        public override TStack Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            T[] topFirst = JsonSerializer.Deserialize<T[]>(ref reader, options) ?? throw new JsonException($"A {typeToConvert} cannot be null here.");
            Array.Reverse(topFirst);
            return fromBottomUp(topFirst);
        }

        public override void Write(Utf8JsonWriter writer, TStack value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            foreach (object? item in value)
            {
                JsonSerializer.Serialize(writer, (T)item!, options);
            }

            writer.WriteEndArray();
        }
    }
}
