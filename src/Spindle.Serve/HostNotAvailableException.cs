namespace Spindle.Serve;

/// <summary>
/// The server could not listen on <see cref="ServeOptions.Host"/>: it is an IP address, but not one of this machine's
/// (or one the system refuses to bind), so the fix is another address, not another port.
/// </summary>
public sealed class HostNotAvailableException : SpindleException
{
    /// <summary>Creates the exception for <paramref name="host"/>, with the system's <paramref name="reason"/>.</summary>
    public HostNotAvailableException(string host, string reason, Exception? innerException)
        : base($"--host {host}: cannot listen there ({reason})", innerException)
    {
        Host = host;
    }

    /// <summary>The address that was asked for.</summary>
    public string Host { get; }
}
