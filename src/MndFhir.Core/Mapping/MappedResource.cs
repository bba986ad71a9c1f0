using Hl7.Fhir.Model;
using MndFhir.Identity;

namespace MndFhir.Mapping;

/// <summary>One FHIR resource made from a clinic record, with the business identities it refers to.</summary>
public sealed record MappedResource(ResourceKey Key, string RecordId, Resource Resource, IReadOnlyList<ResourceKey> References)
{
    /// <summary>References the resolver could not resolve: the resource cannot be sent until those targets are delivered.</summary>
    public IReadOnlyList<ResourceKey> Unresolved { get; init; } = [];

    public bool IsBlocked => Unresolved.Count > 0;

    /// <summary>
    /// The resource withdraws its record (entered-in-error; a Patient made inactive): only worth sending to a destination
    /// that received the record.
    /// </summary>
    public bool Retracted { get; init; }

    /// <summary>Which rule produced each element; filled only by a mapper made with explain on (mndfhir map --explain).</summary>
    public IReadOnlyList<TraceEntry> Explanation { get; init; } = [];
}
