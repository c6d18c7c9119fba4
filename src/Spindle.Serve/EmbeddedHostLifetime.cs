using Microsoft.Extensions.Hosting;

namespace Spindle.Serve;

/// <summary>
/// The server is a part of someone's program, not the program: signals (Ctrl+C, SIGTERM) belong to the program, which
/// stops the server by disposing it. The host's default console lifetime would swallow them and stop Kestrel alone.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
