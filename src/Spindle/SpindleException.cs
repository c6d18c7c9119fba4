namespace Spindle;

/// <summary>The base of the exceptions Spindle raises about workers and pools.</summary>
public class SpindleException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public SpindleException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public SpindleException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
