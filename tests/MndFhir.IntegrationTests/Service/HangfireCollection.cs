namespace MndFhir.IntegrationTests.Service;

/// <summary>Tests that start the service run one at a time: Hangfire keeps its storage in a static (JobStorage.Current).</summary>
[CollectionDefinition(Name)]
public sealed class HangfireCollection
{
    public const string Name = "Hangfire";
}
