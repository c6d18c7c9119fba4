namespace Spindle.Serve.Tests.Support;

/// <summary>One server shared by a test class whose tests do not disturb each other.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private TestServer? _server;

    internal TestServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
