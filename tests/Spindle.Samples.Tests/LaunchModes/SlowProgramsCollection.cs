namespace Spindle.Samples.Tests.LaunchModes;

/// <summary>Tests that build, publish or pack: one at a time, so two compilers never share the machine's two cores.</summary>
[CollectionDefinition(Name)]
public sealed class SlowProgramsCollection : ICollectionFixture<QuickStartBuild>, ICollectionFixture<Packages.LocalFeed>
{
    public const string Name = "Slow programs";
}
