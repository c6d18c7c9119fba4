using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spindle.Calls.Serialization.Json;

/// <summary>
/// Stacks (<see cref="Stack{T}"/>, <see cref="ConcurrentStack{T}"/>, <see cref="ImmutableStack{T}"/>, <see cref="Stack"/>,
/// and classes derived from them) that keep their order. System.Text.Json writes a stack top first, as it enumerates,
/// and reads it back by pushing the items in that order, so the stack arrived upside down; this writes the same array
/// and pushes from the bottom.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2055", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2060", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2071", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2090", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal sealed class StackConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => StackTypeOf(typeToConvert) is not null;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options)
    {
        Type stack = StackTypeOf(typeToConvert)!;
        if (stack == typeof(Stack))
        {
            return typeToConvert == stack
                ? new StackConverter<Stack, object?>(bottomUp => new Stack(bottomUp))
                : Make(nameof(NewDerivedStack), typeToConvert);
        }

        Type item = stack.GetGenericArguments()[0];
        Type definition = stack.GetGenericTypeDefinition();
        if (typeToConvert != stack)
        {
            // Only a class can derive from a stack, and ImmutableStack<T> is sealed.
            return Make(definition == typeof(Stack<>) ? nameof(NewDerivedGenericStack) : nameof(NewDerivedConcurrentStack), typeToConvert, item);
        }

        string builder = definition == typeof(Stack<>) ? nameof(NewStack) : definition == typeof(ConcurrentStack<>) ? nameof(NewConcurrentStack) : nameof(NewImmutableStack);
        return Make(builder, item);
    }

    /// <summary>Whether <paramref name="converter"/> is one of these, which write a stack's items and nothing else.</summary>
    public static bool Writes(JsonConverter converter) =>
        converter.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(StackConverter<,>);

    /// <summary>The stack type <paramref name="type"/> is or derives from, or null.</summary>
    private static Type? StackTypeOf(Type type)
    {
        for (Type? candidate = type; candidate is not null && candidate != typeof(object); candidate = candidate.BaseType)
        {
            if (candidate == typeof(Stack) || (candidate.IsGenericType && candidate.GetGenericTypeDefinition() is { } definition
                && (definition == typeof(Stack<>) || definition == typeof(ConcurrentStack<>) || definition == typeof(ImmutableStack<>))))
            {
                return candidate;
            }
        }

        return null;
    }

    private static JsonConverter Make(string builder, params Type[] types) =>
        (JsonConverter)typeof(StackConverterFactory).GetMethod(builder, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(types).Invoke(null, null)!;

    private static JsonConverter NewStack<T>() => new StackConverter<Stack<T>, T>(bottomUp => new Stack<T>(bottomUp));

    private static JsonConverter NewConcurrentStack<T>() => new StackConverter<ConcurrentStack<T>, T>(bottomUp => new ConcurrentStack<T>(bottomUp));

    private static JsonConverter NewImmutableStack<T>() => new StackConverter<ImmutableStack<T>, T>(ImmutableStack.CreateRange);

    private static JsonConverter NewDerivedGenericStack<TStack, T>()
        where TStack : Stack<T> =>
        new StackConverter<TStack, T>(bottomUp =>
        {
            TStack stack = Create<TStack>();
            foreach (T item in bottomUp)
            {
                stack.Push(item);
            }

            return stack;
        });

    private static JsonConverter NewDerivedConcurrentStack<TStack, T>()
        where TStack : ConcurrentStack<T> =>
        new StackConverter<TStack, T>(bottomUp =>
        {
            TStack stack = Create<TStack>();
            stack.PushRange(bottomUp);
            return stack;
        });

    private static JsonConverter NewDerivedStack<TStack>()
        where TStack : Stack =>
        new StackConverter<TStack, object?>(bottomUp =>
        {
            TStack stack = Create<TStack>();
            foreach (object? item in bottomUp)
            {
                stack.Push(item);
            }

            return stack;
        });

    /// <summary>A derived stack to push into: only its parameterless constructor makes an empty one.</summary>
    private static TStack Create<TStack>() =>
        typeof(TStack).GetConstructor(Type.EmptyTypes) is { } constructor
            ? (TStack)constructor.Invoke(null)
            : throw new JsonException($"A {TypeNames.Display(typeof(TStack))} cannot be read back: it has no public parameterless constructor to push its items into.");

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
