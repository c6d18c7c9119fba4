using System.Runtime.Versioning;
namespace Spindle.Shared;

/// <summary>No shared object has this name: it was never created, or its last user closed it (or died).</summary>
[SupportedOSPlatform("linux")]
public sealed class SharedObjectNotFoundException : SharedObjectException
{
    /// <summary>Creates the exception for the object named <paramref name="name"/>.</summary>
    public SharedObjectNotFoundException(string name, string message)
        : base(name, message)
    {
    }
}
