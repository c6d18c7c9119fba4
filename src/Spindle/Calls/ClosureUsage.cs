using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;

namespace Spindle.Calls;

/// <summary>
/// Which captured variables a delegate really uses. The C# compiler puts every variable captured in a scope into
/// one shared closure object, so a lambda that uses only <c>factor</c> may still hold the <c>pool</c> another lambda
/// captured. Reading the method's IL for field loads tells which fields to send; the rest stay behind.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2075", Justification = DynamicCode.EngineJustification)]
internal static class ClosureUsage
{
    private static readonly ConcurrentDictionary<MethodInfo, IReadOnlySet<FieldInfo>> Cache = new();
    private static readonly Lazy<Dictionary<short, OpCode>> OpCodesByValue = new(() =>
        typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .ToDictionary(o => o.Value));

    /// <summary>The closure fields <paramref name="method"/> (and closure methods it calls) read or write.</summary>
    public static IReadOnlySet<FieldInfo> FieldsUsedBy(MethodInfo method) =>
        Cache.GetOrAdd(method, static m =>
        {
            var fields = new HashSet<FieldInfo>();
            Scan(m, fields, new HashSet<MethodBase>());
            return fields;
        });

    private static void Scan(MethodBase method, HashSet<FieldInfo> fields, HashSet<MethodBase> visited)
    {
        if (!visited.Add(method) || method.GetMethodBody()?.GetILAsByteArray() is not { } il)
        {
            return;
        }

        Type[]? typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int position = 0;
        while (position < il.Length)
        {
            OpCode opCode = Read(il, ref position);
            int operand = opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, position)),
                _ => 4,
            };
            if (opCode.OperandType == OperandType.InlineField)
            {
                FieldInfo? field = Resolve<FieldInfo>(() => method.Module.ResolveField(BitConverter.ToInt32(il, position), typeArguments, methodArguments));
                if (field is not null)
                {
                    fields.Add(Definition(field));
                }
            }
            else if (opCode.OperandType == OperandType.InlineMethod)
            {
                // Local functions and lambdas nested in this one live on closure types too; their uses count.
                MethodBase? callee = Resolve<MethodBase>(() => method.Module.ResolveMethod(BitConverter.ToInt32(il, position), typeArguments, methodArguments));
                if (callee?.DeclaringType is { } owner && (Serialization.ValueCodec.IsClosure(owner) || owner == method.DeclaringType || callee.Name.Contains('<', StringComparison.Ordinal)))
                {
                    Scan(callee, fields, visited);
                }
            }

            position += operand;
        }
    }

    /// <summary>Fields of generic closures are compared on their open definition.</summary>
    public static FieldInfo Definition(FieldInfo field) =>
        field.DeclaringType is { IsGenericType: true, IsGenericTypeDefinition: false } owner
            ? owner.GetGenericTypeDefinition().GetField(field.Name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic) ?? field
            : field;

    private static OpCode Read(byte[] il, ref int position)
    {
        short value = il[position++];
        if (value == 0xFE)
        {
            value = (short)(0xFE00 | il[position++]);
        }

        return OpCodesByValue.Value.TryGetValue(value, out OpCode opCode)
            ? opCode
            : throw new InvalidOperationException($"Unknown IL opcode 0x{value:x}.");
    }

    private static T? Resolve<T>(Func<T?> resolve)
        where T : class
    {
        try
        {
            return resolve();
        }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or MissingMemberException)
        {
            return null;
        }
    }
}
