namespace Spindle.Tests.Support;

/// <summary>Tests that count the whole process's file descriptors and directories, or load it heavily, run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Runs alone";
}
