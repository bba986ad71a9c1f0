namespace MndFhir.Sync.Intake;

/// <summary>The figures of one import of a clinic export, and the warnings (no PHI) worth showing the operator.</summary>
public sealed record ImportSummary(long RunId, IReadOnlyList<FileImportSummary> Files, IReadOnlyList<string> Warnings, TimeSpan Elapsed)
{
    public int Rejected => Files.Sum(f => f.Rejected);

    public int FilesRejected => Files.Count(f => f.Problem is not null);

    public int RemovalsRefused => Files.Sum(f => f.RemovalsRefused);

    /// <summary>Rows in the quarantine still waiting for a fix after this import, whichever import rejected them.</summary>
    public int OpenQuarantine { get; init; }

    /// <summary>Nothing for an operator to do: every file and row imported, nothing waiting in the quarantine, no removal refused.</summary>
    public bool IsClean => FilesRejected == 0 && Rejected == 0 && RemovalsRefused == 0 && OpenQuarantine == 0;
}
