namespace MndFhir.Sync.Runs;

/// <summary>The figures of one sync of one destination.</summary>
public sealed record SyncRunSummary
{
    public required long RunId { get; init; }

    public required string Destination { get; init; }

    public int Considered { get; set; }

    public int Unchanged { get; set; }

    public int Created { get; set; }

    public int Updated { get; set; }

    public int Failed { get; set; }

    public int Blocked { get; set; }

    /// <summary>Resources that failed validation (FHIR R4 and the project profiles) and were not sent; counted in <see cref="Failed"/> too.</summary>
    public int Invalid { get; set; }

    public TimeSpan Elapsed { get; set; }

    /// <summary>Set when the sync stopped early (destination unreachable); what was confirmed before stays recorded.</summary>
    public string? Error { get; set; }

    /// <summary>Where a file destination wrote this run's output.</summary>
    public string? Output { get; set; }

    public int Sent => Created + Updated;
}
