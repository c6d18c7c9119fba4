using NATS.NKeys;

namespace Spindle.Cluster.Tests.Support;

/// <summary>
/// A real nats-server that lets nobody in without a client certificate signed by the test CA (TLS with
/// <c>verify: true</c>), and then only as one of its users: two nkey users made here (a pool's and an agent's, their
/// seeds in files as <c>nk -gen user</c> writes them), and "outsider", a user and password denied publishing calls.
/// For one test class; everything lives in temporary directories deleted at the end.
/// </summary>
public sealed class SecureNatsServer : IAsyncLifetime
{
    private ConfiguredNatsServer? _server;

    public TestCertificates Certificates { get; } = TestCertificates.Create();

    /// <summary>The pool's nkey seed file.</summary>
    public string ClientSeedFile => Path.Combine(Certificates.Directory, "client.nk");

    /// <summary>The agent's nkey seed file.</summary>
    public string AgentSeedFile => Path.Combine(Certificates.Directory, "agent.nk");

    /// <summary>A user seed the server does not know.</summary>
    public string StrangerSeedFile => Path.Combine(Certificates.Directory, "stranger.nk");

    public string OutsiderPassword { get; } = Guid.NewGuid().ToString("N");

    public ConfiguredNatsServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync()
    {
        string client = WriteSeed(ClientSeedFile), agent = WriteSeed(AgentSeedFile);
        WriteSeed(StrangerSeedFile);
        string configuration = $$"""
            tls {
              cert_file: "{{Certificates.ServerCertificateFile}}"
              key_file: "{{Certificates.ServerKeyFile}}"
              ca_file: "{{Certificates.CaFile}}"
              verify: true
              timeout: 5
            }
            authorization {
              users: [
                { nkey: "{{client}}" }
                { nkey: "{{agent}}" }
                { user: "outsider", password: "{{OutsiderPassword}}", permissions: { publish: { deny: ["spindle.*.calls.>"] } } }
              ]
            }
            """;
        _server = await ConfiguredNatsServer.StartAsync(_ => configuration);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Certificates.Dispose();
    }

    /// <summary>Makes a user nkey pair, writes its seed to <paramref name="path"/>, returns its public key.</summary>
    private static string WriteSeed(string path)
    {
        using KeyPair pair = KeyPair.CreatePair(PrefixByte.User);
        File.WriteAllText(path, pair.GetSeed() + "\n");
        return pair.GetPublicKey();
    }
}
