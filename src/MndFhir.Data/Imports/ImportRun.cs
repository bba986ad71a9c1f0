namespace MndFhir.Data;

/// <summary>
/// One import of a clinic export, recorded before the import's own transaction starts: it shows Running while the
/// import runs. A successful outcome is written inside that transaction, so it commits with the data; a rolled-back
/// import is recorded Failed afterwards, and one whose process was killed before its commit is closed as Failed by
/// the next import.
/// </summary>
public sealed class ImportRun
{
    public long Id { get; set; }

    /// <summary>manual, scheduled or api.</summary>
    public string Trigger { get; set; } = string.Empty;

    /// <summary>The export folder (a path, never PHI).</summary>
    public string Folder { get; set; } = string.Empty;

    /// <summary>SHA-256 over the three files' contents: the same export imported again has the same fingerprint.</summary>
    public string? Fingerprint { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public ImportOutcome Outcome { get; set; }

    public int Rows { get; set; }

    public int Created { get; set; }

    public int Updated { get; set; }

    public int Unchanged { get; set; }

    public int Rejected { get; set; }

    public int Removed { get; set; }

    /// <summary>Records withdrawn by an entered-in-error row.</summary>
    public int Retracted { get; set; }

    /// <summary>Files rejected as a whole (a file rule broken).</summary>
    public int FilesRejected { get; set; }

    /// <summary>One line per problem an operator must act on (file problems, refused removals, the failure); no PHI.</summary>
    public string? Message { get; set; }
}
