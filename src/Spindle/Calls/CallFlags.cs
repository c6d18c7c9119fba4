namespace Spindle.Calls;

/// <summary>How a worker treats a call frame.</summary>
[Flags]
internal enum CallFlags : byte
{
    None = 0,

    /// <summary>The single argument is an array of items; run the method on each and return an array of results.</summary>
    Map = 1,
}
