using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Spindle.Calls.Serialization;
using Spindle.Telemetry;
using Spindle.Wire;

namespace Spindle.Calls;

/// <summary>
/// The caller's side of a portable call: delegate + arguments → one <see cref="FrameKind.Call"/> frame.
/// Everything that could fail in a worker because of the caller's values fails here instead, naming the value.
/// </summary>
/// <remarks>
/// Frame payload: call id, flags, a trace header when <see cref="CallFlags.TraceContext"/> is set, method key, assembly hints, target (closure fields or <c>this</c>), arguments.
/// Parameters of type <see cref="CancellationToken"/> are not sent: the worker passes the call's own token.
/// </remarks>
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal static class CallWriter
{
    public static void Write(WireWriter writer, ValueCodec codec, long callId, CallFlags flags, MethodTemplate template, object? target, ReadOnlySpan<object?> args, string fnParam, Activity? traced = null)
    {
        writer.BeginFrame(FrameKind.Call);
        writer.WriteInt64(callId);
        if (traced is null)
        {
            writer.WriteByte((byte)flags);
        }
        else
        {
            writer.WriteByte((byte)(flags | CallFlags.TraceContext));
            TraceHeader.Write(writer, traced);
        }

        writer.WriteString(template.Key);
        writer.WriteInt32(template.AssemblyHints.Length);
        foreach ((string name, string path) in template.AssemblyHints)
        {
            writer.WriteString(name);
            writer.WriteString(path);
        }

        WriteTarget(writer, codec, template, target, fnParam);
        ParameterInfo[] parameters = template.Parameters;
        int sent = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].ParameterType == typeof(CancellationToken))
            {
                continue;
            }

            if (sent >= args.Length)
            {
                throw new ArgumentException($"The delegate needs a value for parameter '{parameters[i].Name}', but only {args.Length} argument(s) were given.", fnParam);
            }

            Type declared = (flags & CallFlags.Map) != 0 ? parameters[i].ParameterType.MakeArrayType() : parameters[i].ParameterType;
            codec.Write(writer, args[sent], declared, template.ArgumentLabels[i], fnParam);
            sent++;
        }

        if (sent != args.Length)
        {
            throw new ArgumentException($"The delegate takes {sent} argument(s) but {args.Length} were given.", fnParam);
        }

        writer.EndFrame();
    }

    /// <summary>Thread isolation's check: would this call cross a process boundary? Sends nothing.</summary>
    public static void Verify(ValueCodec codec, MethodTemplate template, object? target, ReadOnlySpan<object?> args, string fnParam)
    {
        if (template.VerifiedForGood && args.Length == template.SentParameterCount)
        {
            return;
        }

        codec.Verify(target, target?.GetType() ?? typeof(object), "this", fnParam, template.UsedClosureFields);
        ParameterInfo[] parameters = template.Parameters;
        int sent = 0;
        for (int i = 0; i < parameters.Length && sent < args.Length; i++)
        {
            if (parameters[i].ParameterType != typeof(CancellationToken))
            {
                codec.Verify(args[sent++], parameters[i].ParameterType, $"argument '{parameters[i].Name}'", fnParam);
            }
        }

        template.VerifiedForGood = template.CanStayVerified;
    }

    private static void WriteTarget(WireWriter writer, ValueCodec codec, MethodTemplate template, object? target, string fnParam)
    {
        codec.Write(writer, target, template.Method.DeclaringType!, "this", fnParam, template.UsedClosureFields);
    }
}
