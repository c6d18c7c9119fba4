using System.Text;
using Xunit.Sdk;

namespace Spindle.Samples.Tests.Infrastructure;

/// <summary>What a finished child program did: its pid, exit code, output lines and errors.</summary>
internal sealed record ChildResult(string Command, int ProcessId, int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Errors, TimeSpan Elapsed)
{
    /// <summary>Fails the test, with the whole transcript, unless the program exited with code 0.</summary>
    public ChildResult EnsureSuccess() =>
        ExitCode == 0 ? this : throw new XunitException($"`{Command}` exited with code {ExitCode}.{Environment.NewLine}{Transcript()}");

    public string Transcript() => Transcript(Output, Errors);

    public static string Transcript(IEnumerable<string> output, IEnumerable<string> errors)
    {
        var text = new StringBuilder();
        text.AppendLine("--- stdout").AppendJoin(Environment.NewLine, output).AppendLine();
        text.AppendLine("--- stderr").AppendJoin(Environment.NewLine, errors).AppendLine();
        return text.ToString();
    }
}
