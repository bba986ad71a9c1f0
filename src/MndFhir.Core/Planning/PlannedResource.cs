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
}
