namespace MndFhir.Sync.Quarantine;

/// <summary>
/// One rejected row or file as operators and scripts see it: where (file, line, column), which rule, open or resolved.
/// The row's cells (names, birth dates, notes) are not part of it: they stay in the database.
/// </summary>
public sealed record QuarantineEntry(
    long Id,
    QuarantineState State,
    string File,
    long Line,
    string? Column,
    string? RecordId,
    string Rule,
    string Message,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset LastSeenAt,
    DateTimeOffset? ResolvedAt,
    string? Resolution);
