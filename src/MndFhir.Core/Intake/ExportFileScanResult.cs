namespace MndFhir.Intake;

/// <summary>What <see cref="ExportFileScan"/> found: a file problem or none, the file's SHA-256 and its length.</summary>
public sealed record ExportFileScanResult(FileProblem? Problem, string Sha256, long Length)
{
    /// <summary>The number of lines (line breaks plus one) read before a problem or the end: at least the rows.</summary>
    public long Lines { get; init; }
}
