using MndFhir.Identity;

namespace MndFhir.Mapping;

/// <summary>The keys of a window of resources the plan is about to make (<see cref="Made"/>) and of those they refer to.</summary>
public sealed record UpcomingKeys(IReadOnlyList<ResourceKey> Made, IReadOnlyList<ResourceKey> ReferredTo);
