using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Spindle.Bench.Http;

/// <summary>A server in a child process (spindle serve, or the baseline), so client and server do not share a heap or a thread pool.</summary>
internal sealed partial class ChildServer : IAsyncDisposable
{
    private readonly Process _process;

    private ChildServer(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Pid => _process.Id;

    public static async Task<ChildServer> StartAsync(string what, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {what}");
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                string? line = await process.StandardOutput.ReadLineAsync(cancel.Token);
                if (line is null)
                {
                    throw new InvalidOperationException($"{what} exited (code {(process.WaitForExit(5000) ? process.ExitCode : -1)}) before printing its address");
                }

                if (ListeningOn().Match(line) is { Success: true } match)
                {
                    // Keep draining its output so it never blocks on a full pipe.
                    _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
                    return new ChildServer(process, new Uri(match.Groups[1].Value));
                }
            }
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The baseline ends when stdin closes; spindle serve (and its workers) are killed as a tree.
        _process.StandardInput.Close();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
    }

    [GeneratedRegex(@"listening on (http://\S+?)/? ")]
    private static partial Regex ListeningOn();
}
