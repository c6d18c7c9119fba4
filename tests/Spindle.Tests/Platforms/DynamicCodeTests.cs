using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json.Nodes;
using Spindle.Calls.Serialization;
using Spindle.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Platforms;

/// <summary>
/// Trimming and Native AOT honesty: what needs dynamic code carries [RequiresUnreferencedCode]/[RequiresDynamicCode],
/// so the analyzers warn the user at build time, and in an app without dynamic code it throws NotSupportedException
/// saying why, before anything else happens.
/// </summary>
public class DynamicCodeTests
{
    [Theory]
    [InlineData(typeof(WorkerPool))]
    [InlineData(typeof(WorkerProcess))]
    [InlineData(typeof(JsonCallSerializer))]
    [InlineData(typeof(MessageQueue<>))]
    public void TypeThatNeedsDynamicCode_SaysSoToTheAnalyzers(Type type)
    {
        Assert.NotNull(type.GetCustomAttribute<RequiresUnreferencedCodeAttribute>());
        Assert.NotNull(type.GetCustomAttribute<RequiresDynamicCodeAttribute>());
    }

    [Theory]
    [InlineData(nameof(Connection.Send))]
    [InlineData(nameof(Connection.SendAsync))]
    [InlineData(nameof(Connection.Receive))]
    [InlineData(nameof(Connection.ReceiveAsync))]
    [InlineData(nameof(Connection.ReadAllAsync))]
    public void TypedMessage_SaysItNeedsDynamicCode(string method)
    {
        MethodInfo generic = typeof(Connection).GetMethods().Single(m => m.Name == method && m.IsGenericMethodDefinition);
        Assert.NotNull(generic.GetCustomAttribute<RequiresUnreferencedCodeAttribute>());
        Assert.NotNull(generic.GetCustomAttribute<RequiresDynamicCodeAttribute>());
    }

    [Theory]
    [InlineData(typeof(WorkerThread))]
    [InlineData(typeof(Pipe))]
    [InlineData(typeof(Spindle.Sync.SharedLock))]
    public void TypeThatNeedsNoDynamicCode_IsNotMarked(Type type)
    {
        Assert.Null(type.GetCustomAttribute<RequiresUnreferencedCodeAttribute>());
        Assert.Null(type.GetCustomAttribute<RequiresDynamicCodeAttribute>());
    }

    [Fact]
    public async Task AppWithoutDynamicCode_GetsNotSupportedExceptionNamingTheReason()
    {
        // A real process whose runtime has dynamic code switched off, as a Native AOT app's has.
        string parent = Path.Combine(AppContext.BaseDirectory, "Spindle.TestParent.dll");
        JsonNode config = JsonNode.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(parent, ".runtimeconfig.json")))!;
        JsonObject runtime = config["runtimeOptions"]!.AsObject();
        runtime["configProperties"] ??= new JsonObject();
        runtime["configProperties"]!["System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported"] = false;
        string runtimeConfig = Path.Combine(Directory.CreateTempSubdirectory("spindle-no-dynamic-code-").FullName, "no-dynamic-code.runtimeconfig.json");
        await File.WriteAllTextAsync(runtimeConfig, config.ToJsonString());
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in new[] { "exec", "--runtimeconfig", runtimeConfig, parent, "no-dynamic-code" })
            {
                start.ArgumentList.Add(argument);
            }

            using Process probe = Process.Start(start)!;
            Task<string> errors = probe.StandardError.ReadToEndAsync();
            string output;
            try
            {
                output = await probe.StandardOutput.ReadToEndAsync().Within("the probe's output");
                await probe.WaitForExitAsync().Within("the probe to exit");
            }
            finally
            {
                if (!probe.HasExited)
                {
                    probe.Kill(entireProcessTree: true);
                }
            }

            Assert.True(probe.ExitCode == 0, $"exit code {probe.ExitCode}\n{output}\n{await errors}");
            Dictionary<string, string> outcome = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(": ", 2)).ToDictionary(parts => parts[0], parts => parts[1]);
            Assert.Equal("False", outcome["IsDynamicCodeSupported"]);
            foreach (string api in new[] { "WorkerPool", "WorkerProcess", "JsonCallSerializer", "Pipe record" })
            {
                Assert.StartsWith("NotSupportedException: ", outcome[api], StringComparison.Ordinal);
                Assert.Contains("without dynamic code (Native AOT)", outcome[api], StringComparison.Ordinal);
            }

            Assert.Contains("reflection", outcome["WorkerPool"], StringComparison.Ordinal);
            Assert.Contains("System.Text.Json", outcome["Pipe record"], StringComparison.Ordinal);
            Assert.Equal("ok", outcome["Pipe int"]);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(runtimeConfig)!, recursive: true);
        }
    }
}
