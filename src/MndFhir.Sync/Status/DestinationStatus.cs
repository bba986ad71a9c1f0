namespace MndFhir.Sync.Status;

/// <summary>Where one destination stands: what it holds, what it still needs, what failed, and its last run.</summary>
public sealed record DestinationStatus(
    string Destination,
    int Delivered,
    int Pending,
    int Failed,
    DateTimeOffset? LastRunAt,
    string? LastRunOutcome);
