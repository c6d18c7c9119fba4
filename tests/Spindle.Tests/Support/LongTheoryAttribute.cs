namespace Spindle.Tests.Support;

/// <summary>A theory that runs for many seconds: skipped unless <c>SPINDLE_LONG_TESTS=1</c>; a short twin runs every time.</summary>
public sealed class LongTheoryAttribute : TheoryAttribute
{
    public LongTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable("SPINDLE_LONG_TESTS") != "1")
        {
            Skip = "Long: set SPINDLE_LONG_TESTS=1 to run it.";
        }
    }
}
