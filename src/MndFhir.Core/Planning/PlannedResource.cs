using MndFhir.Identity;
using MndFhir.Mapping;

namespace MndFhir.Planning;

/// <summary>
/// One resource the adapter makes, as the <see cref="ResourcePlan"/> yields it: its tier, the rule that made it (kind and
/// the clinic, panel or derived code), and the mapped resource with its key.
/// </summary>
public sealed record PlannedResource(ResourceTier Tier, ResourceKind Kind, string Code, MappedResource Mapped)
{
    public ResourceKey Key => Mapped.Key;

    /// <summary>The hash of what the resource is made from (<see cref="MappingInputs"/>); zero where the plan was given no <see cref="IMappingMemo"/>.</summary>
    public UInt128 Inputs { get; init; }

    /// <summary>
    /// Not mapped: the plan's <see cref="IMappingMemo"/> holds this key's content as made from these very inputs (it is
    /// unchanged). <c>Mapped</c> then carries the key and record id only (its <c>Resource</c> is null).
    /// </summary>
    public bool Unmapped { get; init; }

    internal static PlannedResource Remembered(ResourceTier tier, ResourceKind kind, string code, ResourceKey key, string recordId, UInt128 inputs) =>
        new(tier, kind, code, new MappedResource(key, recordId, null!, [])) { Inputs = inputs, Unmapped = true };
}
