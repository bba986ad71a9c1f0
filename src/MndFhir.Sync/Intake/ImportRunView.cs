using MndFhir.Data;

namespace MndFhir.Sync.Intake;

/// <summary>
/// One import as <c>GET /api/imports</c> publishes it: chosen fields, not the stored row, so a column added to the import
/// history is published only when this says so. The folder is a path and the fingerprint a hash of the files: no PHI.
/// </summary>
public sealed record ImportRunView(
    long Id,
    string Trigger,
    string Folder,
    string? Fingerprint,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    ImportOutcome Outcome,
    int Rows,
    int Created,
    int Updated,
    int Unchanged,
    int Rejected,
    int Removed,
    int Retracted,
    int FilesRejected,
    string? Message);
