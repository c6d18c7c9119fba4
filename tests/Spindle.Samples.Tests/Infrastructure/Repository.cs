using System.Reflection;

namespace Spindle.Samples.Tests.Infrastructure;

/// <summary>The checkout under test: the nearest folder above the test binaries that holds <c>Spindle.slnx</c>.</summary>
internal static class Repository
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The built sample program <paramref name="name"/> (its .dll), as recorded by the test project at build time.</summary>
    public static string SampleProgram(string name) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == name)?.Value
        ?? throw new InvalidOperationException($"The test assembly does not record where sample '{name}' was built; is it a ProjectReference with OutputItemType=\"SampleProgram\"?");

    private static string FindRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Spindle.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above '{AppContext.BaseDirectory}' holds Spindle.slnx.");
    }
}
