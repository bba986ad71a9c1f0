namespace MndFhir.Data;

/// <summary>What one destination holds of one resource, as the destination confirmed it.</summary>
public sealed class LedgerEntry
{
    public long Id { get; set; }

    public string Destination { get; set; } = string.Empty;

    public string ResourceType { get; set; } = string.Empty;

    /// <summary>The business identifier value (the clinic id the resource was made from).</summary>
    public string BusinessId { get; set; } = string.Empty;

    public string? RecordId { get; set; }

    /// <summary>SHA-256 of the JSON last confirmed by the destination.</summary>
    public string ContentHash { get; set; } = string.Empty;

    /// <summary>
    /// XXH3-128 (32 hex digits) of the inputs the content of <see cref="ContentHash"/> was mapped from: the source
    /// record's fields, the references as resolved, the mappings and the adapter's build. Set with the content hash and
    /// cleared with it, so a sync whose inputs hash the same knows the content without mapping it again. Null where
    /// unknown (entries written before it, resources made without it).
    /// </summary>
    public string? InputHash { get; set; }

    /// <summary>The id the destination gave the resource (its logical id, or the file id for folder destinations).</summary>
    public string? ServerId { get; set; }

    public string? ServerVersion { get; set; }

    public LedgerState State { get; set; }

    /// <summary>Failed deliveries since the last confirmed one.</summary>
    public int Attempts { get; set; }

    /// <summary>The destination's answer to the last failed delivery (OperationOutcome JSON).</summary>
    public string? LastError { get; set; }

    /// <summary>The HTTP status of the last failed delivery; null when the resource was found invalid before sending.</summary>
    public int? LastStatus { get; set; }

    public DateTimeOffset? FirstDeliveredAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
