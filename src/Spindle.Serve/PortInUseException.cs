namespace Spindle.Serve;

/// <summary>The server could not listen because another program already holds the port.</summary>
public sealed class PortInUseException : SpindleException
{
    /// <summary>Creates the exception for <paramref name="host"/>:<paramref name="port"/>.</summary>
    public PortInUseException(string host, int port, Exception? innerException)
        : base($"Port {port} on {host} is already in use: choose another with --port (ServeOptions.Port), or --port 0 to pick a free one.", innerException)
    {
        Host = host;
        Port = port;
    }

    /// <summary>The address that was asked for.</summary>
    public string Host { get; }

    /// <summary>The port that was taken.</summary>
    public int Port { get; }
}
