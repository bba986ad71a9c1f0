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
}
