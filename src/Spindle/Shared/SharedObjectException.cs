using System.Runtime.Versioning;
namespace Spindle.Shared;

/// <summary>A shared object could not be created or opened as asked: it exists already, or it is of another kind, type or size.</summary>
[SupportedOSPlatform("linux")]
public class SharedObjectException : SpindleException
{
    /// <summary>Creates the exception for the object named <paramref name="name"/>.</summary>
    public SharedObjectException(string name, string message)
        : base(message)
    {
        Name = name;
    }

    /// <summary>The shared object's name.</summary>
    public string Name { get; }
}
