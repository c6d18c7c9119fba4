namespace Spindle.Samples.Tests.Infrastructure;

/// <summary>A fresh folder under the system temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string purpose) => Path = Directory.CreateTempSubdirectory($"spindle-{purpose}-").FullName;

    public string Path { get; }

    public string PathOf(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
