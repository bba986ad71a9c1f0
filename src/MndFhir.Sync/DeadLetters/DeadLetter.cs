using MndFhir.Sync.Delivery;

namespace MndFhir.Sync.DeadLetters;

/// <summary>
/// A resource a destination rejected for good (4xx), with the destination's answer. It is retried by every sync of
/// that destination; it leaves this list when the destination accepts it (after the source or mapping is fixed).
/// </summary>
public sealed record DeadLetter(
    long Id,
    string Destination,
    string ResourceType,
    string BusinessId,
    string? RecordId,
    int Attempts,
    DateTimeOffset UpdatedAt,
    int? Status,
    string? Outcome)
{
    /// <summary>
    /// The HTTP status and the server's reason in one line, wherever its OperationOutcome puts it
    /// (<see cref="OperationOutcomeReason"/>); "not sent" for resources MndFhir found invalid itself.
    /// </summary>
    public string Summary => $"{(Status is { } status ? $"HTTP {status}" : "not sent (invalid)")}: {OperationOutcomeReason.Of(Outcome) ?? "(no answer recorded)"}";
}
