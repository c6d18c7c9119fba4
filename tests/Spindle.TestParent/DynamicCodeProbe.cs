using Spindle;
using Spindle.Calls.Serialization;
using Spindle.Ipc;

/// <summary>
/// `Spindle.TestParent no-dynamic-code`: run with RuntimeFeature.IsDynamicCodeSupported switched off (as in a Native AOT
/// app), tries each API that needs dynamic code and one that does not, and prints one line per API: "ok" or the
/// exception's type and message.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class DynamicCodeProbe
{
    public static async Task<int> RunAsync()
    {
        Console.WriteLine($"IsDynamicCodeSupported: {System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported}");
        await Try("WorkerPool", async () => { await using var pool = new WorkerPool(); });
        Try("WorkerProcess", () => new WorkerProcess(() => { }));
        Try("JsonCallSerializer", () => new JsonCallSerializer());
        var (mine, theirs) = Pipe.Create();
        using (mine)
        using (theirs)
        {
            Try("Pipe int", () => { mine.Send(42); _ = theirs.Receive<int>(); });
            Try("Pipe record", () => mine.Send(new Probe(1)));
        }

        return 0;
    }

    private static void Try(string api, Action action) => Try(api, () => { action(); return Task.CompletedTask; }).GetAwaiter().GetResult();

    private static async Task Try(string api, Func<Task> action)
    {
        try
        {
            await action();
            Console.WriteLine($"{api}: ok");
        }
        catch (Exception e)
        {
            Console.WriteLine($"{api}: {e.GetType().Name}: {e.Message}");
        }
    }

    private sealed record Probe(int Value);
}
