using Spindle.Tests.Browser;

namespace Spindle.Lab.Tests.Support;

/// <summary>Headless Chromium for the lab's browser tests, with its start bounded: Playwright's driver process has no start-up timeout of its own.</summary>
internal static class Chromium
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(2);

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        try
        {
            return await HeadlessChromium.LaunchAsync().WaitAsync(StartLimit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Playwright's driver or {HeadlessChromium.ExecutablePath} did not start within {StartLimit.TotalSeconds} s.");
        }
    }
}
