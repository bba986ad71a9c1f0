namespace MndFhir.Sync.Status;

/// <summary>What waits in the quarantine for one export file: rejected rows, and whether the file itself was rejected.</summary>
public sealed record QuarantineCount(string File, int Rows, int FileProblems);
