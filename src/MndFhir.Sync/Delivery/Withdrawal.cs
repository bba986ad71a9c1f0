using MndFhir.Identity;

namespace MndFhir.Sync.Delivery;

/// <summary>A resource to delete at a destination: its key there and the id the destination gave it.</summary>
public sealed record Withdrawal(ResourceKey Key, string ServerId);
