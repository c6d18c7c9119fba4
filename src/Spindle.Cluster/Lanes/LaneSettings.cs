using System.Text.Json;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Lanes;

/// <summary>
/// What an agent gives the lanes of one pool's workers (Lanes/NatsLane.cs): where to connect and as whom, what to
/// listen to, where to keep the page the agent reads if a worker dies. Written by the agent in its own directory, readable
/// by its user only: it holds the agent's credentials, which the worker's calls could read from the agent anyway (same
/// user), but which no other user should.
/// </summary>
internal sealed record LaneSettings
{
    public required string Server { get; init; }

    public required string Cluster { get; init; }

    public required string Agent { get; init; }

    /// <summary>The pool's lane subject (<see cref="ClusterNames.Lane"/>), taken as a queue group.</summary>
    public required string Subject { get; init; }

    /// <summary>The agent's orders and forwarded stops (<see cref="ClusterNames.Lanes"/>).</summary>
    public required string Control { get; init; }

    /// <summary>The agent's protocol: a build of another one opens no lane.</summary>
    public required string Protocol { get; init; }

    public required string PageDirectory { get; init; }

    public required TimeSpan CancellationGracePeriod { get; init; }

    public required TimeSpan ConnectTimeout { get; init; }

    /// <summary>How long an answer is sent again until its caller confirms it, as the agent's AckWait.</summary>
    public required TimeSpan AnswerFor { get; init; }

    public required TimeSpan ClaimTimeout { get; init; }

    /// <summary>The agent's own sign-in and TLS settings.</summary>
    public required ClusterCredentials Credentials { get; init; }

    /// <summary>Writes the settings to <paramref name="path"/>, readable and writable by this user only.</summary>
    public void Write(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(path, options);
        JsonSerializer.Serialize(file, this);
    }

    public static LaneSettings Read(string path) =>
        JsonSerializer.Deserialize<LaneSettings>(File.ReadAllBytes(path)) ?? throw new InvalidDataException($"The lane settings in '{path}' are empty.");
}
