using Spindle;
using Spindle.Calls;

namespace Spindle;

/// <summary>
/// A value given to a call cannot cross a process boundary: an argument, a captured variable or <c>this</c>.
/// Thrown at the call site, before anything reaches a worker.
/// </summary>
public sealed class ProcessBoundaryException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public ProcessBoundaryException(string variable, Type? variableType, string reason, string? paramName = null, Exception? innerException = null)
        : base(BuildMessage(variable, variableType, reason), paramName, innerException)
    {
        Variable = variable;
        VariableType = variableType;
        Reason = reason;
    }

    /// <summary>What could not be sent, as the user wrote it: <c>argument 'path'</c>, <c>captured variable 'stream'</c>, <c>this</c>.</summary>
    public string Variable { get; }

    /// <summary>The type of the value that could not be sent, when there is one.</summary>
    public Type? VariableType { get; }

    /// <summary>Why it cannot be sent, in plain words.</summary>
    public string Reason { get; }

    private static string BuildMessage(string variable, Type? type, string reason) =>
        type is null
            ? $"{variable} cannot be sent to a worker process: {reason}"
            : $"{variable} of type {TypeNames.Display(type)} cannot be sent to a worker process: {reason}";
}
