namespace MndFhir.Intake;

/// <summary>What <see cref="ExportFileScan"/> found: a file problem or none, the file's SHA-256 and its length.</summary>
public sealed record ExportFileScanResult(FileProblem? Problem, string Sha256, long Length);
