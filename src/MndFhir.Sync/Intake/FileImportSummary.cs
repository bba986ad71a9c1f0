namespace MndFhir.Sync.Intake;

/// <summary>The figures of one export file's import.</summary>
public sealed record FileImportSummary(string File)
{
    public int Rows { get; set; }

    public int Created { get; set; }

    public int Updated { get; set; }

    public int Unchanged { get; set; }

    public int Rejected { get; set; }

    public int Warnings { get; set; }

    /// <summary>Stored records whose rows this export no longer has: their resources become entered-in-error.</summary>
    public int Removed { get; set; }

    /// <summary>The file was not in the export folder (nothing imported, nothing removed).</summary>
    public bool Missing { get; set; }
}
