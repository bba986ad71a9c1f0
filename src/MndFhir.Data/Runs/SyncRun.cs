namespace MndFhir.Data;

/// <summary>One sync of one destination, with its figures.</summary>
public sealed class SyncRun
{
    public long Id { get; set; }

    public string Destination { get; set; } = string.Empty;

    /// <summary>manual, scheduled or api.</summary>
    public string Trigger { get; set; } = string.Empty;

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public SyncOutcome Outcome { get; set; }

    public int Considered { get; set; }

    public int Unchanged { get; set; }

    public int Created { get; set; }

    public int Updated { get; set; }

    public int Failed { get; set; }

    public int Blocked { get; set; }

    public string? Error { get; set; }
}
