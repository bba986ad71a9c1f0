using MndFhir.Intake;

namespace MndFhir.Sync.Intake;

/// <summary>The figures of one export file's import.</summary>
public sealed record FileImportSummary(string File)
{
    public int Rows { get; set; }

    public int Created { get; set; }

    public int Updated { get; set; }

    public int Unchanged { get; set; }

    public int Rejected { get; set; }

    /// <summary>Records withdrawn by an entered-in-error row (their resources become entered-in-error where they were sent).</summary>
    public int Retracted { get; set; }

    /// <summary>Stored records whose rows this export no longer has: their resources become entered-in-error.</summary>
    public int Removed { get; set; }

    /// <summary>Records this export lacks that were not marked removed, because the removal looked like a partial export.</summary>
    public int RemovalsRefused { get; set; }

    /// <summary>The file broke a file rule (or was missing): nothing of it was imported, nothing marked removed.</summary>
    public FileProblem? Problem { get; set; }
}
