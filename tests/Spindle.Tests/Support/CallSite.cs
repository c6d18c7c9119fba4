namespace Spindle.Tests.Support;

/// <summary>Asserts that a call fails synchronously, at the call site, before any task exists.</summary>
internal static class CallSite
{
    public static T Throws<T>(Func<object> call)
        where T : Exception => Assert.Throws<T>(() => { _ = call(); });
}
