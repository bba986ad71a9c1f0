using MndFhir.Identity;

namespace MndFhir.Sync.Delivery;

/// <summary>What the destination answered for one resource.</summary>
public sealed record DeliveryResult(ResourceKey Key, bool Accepted, bool Created, string? ServerId, string? ServerVersion, string? Error)
{
    public static DeliveryResult Confirmed(ResourceKey key, bool created, string serverId, string? version) => new(key, true, created, serverId, version, null);

    /// <summary>Rejected for good (4xx): <paramref name="error"/> is the server's OperationOutcome JSON or the reason.</summary>
    public static DeliveryResult Rejected(ResourceKey key, string error) => new(key, false, false, null, null, error);
}
