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
    string? Outcome)
{
    /// <summary>The first issue of the OperationOutcome in one line: severity, code, location (no values).</summary>
    public string Summary => DeadLetterOutcome.Summarize(Outcome);
}
