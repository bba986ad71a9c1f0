using MndFhir.Mapping;

namespace MndFhir.Sync.ChangeSets;

/// <summary>One mapped resource with its JSON as it would be sent, the JSON's hash and what the destination needs.</summary>
public sealed record ChangeSetItem(MappedResource Mapped, string Json, string Hash, ChangeKind Kind)
{
    /// <summary>The destination has confirmed some content of this resource before (it has an id there).</summary>
    public bool OnDestination { get; init; }

    /// <summary>The hash of what the resource was made from (zero where unknown); the ledger keeps it beside the content hash once delivered.</summary>
    public UInt128 Inputs { get; init; }

    /// <summary>
    /// The item as sent once validated: writers send <see cref="Json"/>, so the resource's object model (several times
    /// the size of its JSON) is let go and the batches in flight hold JSON alone. <c>Mapped.Resource</c> is null after it.
    /// </summary>
    public ChangeSetItem WithoutObjectModel() => this with { Mapped = Mapped with { Resource = null! } };
}
