using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Spindle.Calls.Serialization;

/// <summary>
/// <see cref="WorkerPoolOptions.SerializerFactory"/> across a process boundary. The factory must capture nothing, so
/// the method alone says what it builds: the caller sends the method's identity (the key a call uses, see
/// <see cref="MethodTemplate"/>), and the worker finds the same method (<see cref="MethodResolver"/>) and calls it to
/// build its own serializer before it serves. A captured variable or a bound object would have no value there, so
/// such a factory is refused when the option is set.
/// </summary>
/// <remarks>
/// Encoded form, one item a line: the method key, then the name and path of each assembly hint
/// (<see cref="MethodTemplate.AssemblyHints"/>). Keys, assembly names and paths hold no line breaks.
/// </remarks>
[UnconditionalSuppressMessage("Trimming", "IL2072", Justification = DynamicCode.EngineJustification)]
internal static class SerializerFactoryMethod
{
    private const string Option = nameof(WorkerPoolOptions.SerializerFactory);

    /// <summary>Returns <paramref name="factory"/> if a worker process can call it again; throws naming the option otherwise.</summary>
    public static Func<ICallSerializer>? Check(Func<ICallSerializer>? factory)
    {
        if (factory is null)
        {
            return null;
        }

        // Refuses what no worker could load at all (a generated method, an assembly loaded from memory, a multicast).
        MethodTemplate template = MethodTemplate.For(factory, Option);
        // A static method with a target is an extension method bound to its first argument, a value the worker lacks.
        bool capturesNothing = (template.Method.IsStatic && factory.Target is null)
            || (!template.Method.IsStatic && factory.Target is { } target && ValueCodec.IsClosure(target.GetType()) && !UsesCapturedVariables(target.GetType(), template));
        return capturesNothing
            ? factory
            : throw new ArgumentException(
                $"SerializerFactory must be a static method or a lambda that captures nothing, but {Describe(factory)}: each worker process calls " +
                "the factory again to build its own serializer, and cannot see captured variables or the object a method is bound to. " +
                "Build the options inside the lambda from constants and static members (or write a static method that returns the serializer).",
                Option);
    }

    /// <summary>Calls the factory in this process, refusing a null result.</summary>
    public static ICallSerializer Create(Func<ICallSerializer> factory) =>
        factory() ?? throw new ArgumentException("SerializerFactory returned null: it must return the serializer to use.", Option);

    /// <summary>What the worker process needs to find the factory's method: its key and assembly hints.</summary>
    public static string Encode(Func<ICallSerializer> factory)
    {
        MethodTemplate template = MethodTemplate.For(factory, Option);
        var encoded = new StringBuilder(template.Key);
        foreach ((string name, string path) in template.AssemblyHints)
        {
            encoded.Append('\n').Append(name).Append('\n').Append(path);
        }

        return encoded.ToString();
    }

    /// <summary>The worker's side: finds the method <see cref="Encode"/> named and calls it.</summary>
    public static ICallSerializer Create(string encoded)
    {
        string[] lines = encoded.Split('\n');
        for (int i = 1; i + 1 < lines.Length; i += 2)
        {
            MethodResolver.AddAssemblyHint(lines[i], lines[i + 1]);
        }

        MethodInfo method = MethodResolver.Resolve(lines[0]).Method;

        // A lambda that captures nothing is an instance method of a closure class with nothing in it: a fresh,
        // empty instance stands for the caller's.
        object? target = method.IsStatic ? null : RuntimeHelpers.GetUninitializedObject(method.DeclaringType!);
        return method.Invoke(target, BindingFlags.DoNotWrapExceptions, binder: null, parameters: null, culture: null) as ICallSerializer
            ?? throw new InvalidOperationException($"The SerializerFactory method {method.DeclaringType}.{method.Name} returned null in the worker process.");
    }

    // The fields the method uses include static ones of any type (MemoryPackSerializerOptions.Utf16, say): only the
    // closure's own fields are captured variables.
    private static bool UsesCapturedVariables(Type closure, MethodTemplate template) =>
        ValueCodec.FieldsOf(closure).Any(field => template.UsedClosureFields.Contains(ClosureUsage.Definition(field)));

    private static string Describe(Func<ICallSerializer> factory) =>
        ValueCodec.IsClosure(factory.Target!.GetType())
            ? "this lambda captures variables"
            : $"this delegate is bound to an instance of {TypeNames.Display(factory.Target.GetType())} (an instance method, an extension method called on it, or a lambda that uses 'this')";
}
