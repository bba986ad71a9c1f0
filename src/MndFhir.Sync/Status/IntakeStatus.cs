namespace MndFhir.Sync.Status;

/// <summary>Where the intake stands: the last import and what waits in the quarantine, per file.</summary>
public sealed record IntakeStatus(
    long? LastImportId,
    DateTimeOffset? LastImportAt,
    string? LastImportOutcome,
    string? LastImportMessage,
    IReadOnlyList<QuarantineCount> OpenQuarantine)
{
    public int OpenQuarantineTotal => OpenQuarantine.Sum(q => q.Rows + q.FileProblems);
}
