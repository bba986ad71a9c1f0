namespace MndFhir.Sync.Intake;

/// <summary>The figures of one import of a clinic export, and the warnings (no PHI) worth showing the operator.</summary>
public sealed record ImportSummary(IReadOnlyList<FileImportSummary> Files, IReadOnlyList<string> Warnings, TimeSpan Elapsed)
{
    public int Rejected => Files.Sum(f => f.Rejected);
}
