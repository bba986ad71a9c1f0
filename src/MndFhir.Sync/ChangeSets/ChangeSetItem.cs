using MndFhir.Mapping;

namespace MndFhir.Sync.ChangeSets;

/// <summary>One mapped resource with its JSON as it would be sent, the JSON's hash and what the destination needs.</summary>
public sealed record ChangeSetItem(MappedResource Mapped, string Json, string Hash, ChangeKind Kind)
{
    /// <summary>The destination has confirmed some content of this resource before (it has an id there).</summary>
    public bool OnDestination { get; init; }
}
