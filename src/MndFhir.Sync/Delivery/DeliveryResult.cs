using MndFhir.Identity;

namespace MndFhir.Sync.Delivery;

/// <summary>What the destination answered for one resource.</summary>
public sealed record DeliveryResult(ResourceKey Key, bool Accepted, bool Created, string? ServerId, string? ServerVersion, string? Error)
{
    /// <summary>The HTTP status of a rejection, when a server gave one (null for resources found invalid before sending).</summary>
    public int? Status { get; init; }

    public static DeliveryResult Confirmed(ResourceKey key, bool created, string serverId, string? version) => new(key, true, created, serverId, version, null);

    /// <summary>Rejected for good: <paramref name="error"/> is the server's OperationOutcome JSON or the reason.</summary>
    public static DeliveryResult Rejected(ResourceKey key, int? status, string error) => new(key, false, false, null, null, error) { Status = status };
}
