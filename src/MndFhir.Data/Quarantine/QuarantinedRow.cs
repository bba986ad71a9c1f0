namespace MndFhir.Data;

/// <summary>A row an import rejected, kept with the rule it broke until a valid row for the same record arrives.</summary>
public sealed class QuarantinedRow
{
    public long Id { get; set; }

    public string File { get; set; } = string.Empty;

    public long Line { get; set; }

    public string? Column { get; set; }

    /// <summary>Stable rule id, e.g. <c>unknown-patient</c>.</summary>
    public string Rule { get; set; } = string.Empty;

    public string Message { get; set; } = string.Empty;

    public string? RecordId { get; set; }

    /// <summary>The raw row as a JSON object of column to cell. Holds PHI: it stays in the database, never in logs.</summary>
    public string RowJson { get; set; } = "{}";

    public string RowHash { get; set; } = string.Empty;

    public DateTimeOffset FirstSeenAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    public string? Resolution { get; set; }
}
