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

    /// <summary>Resources deleted at the destination: withdrawn registry consent (policy Retract), or a retired pseudonym key.</summary>
    public int Deleted { get; set; }

    /// <summary>
    /// Resources the destination still holds of patients whose registry consent was withdrawn, left there by the policy
    /// Report: the operator must act (reported on every sync until then).
    /// </summary>
    public int ConsentWithdrawnHeld { get; set; }

    /// <summary>How many patients <see cref="ConsentWithdrawnHeld"/> belong to.</summary>
    public int ConsentWithdrawnPatients { get; set; }

    /// <summary>The Report policy's line for the operator, when something is held; no PHI.</summary>
    public string? ConsentWithdrawnNotice => ConsentWithdrawnHeld == 0 ? null
        : $"consent withdrawn: the destination still holds {ConsentWithdrawnHeld} resources of {ConsentWithdrawnPatients} patients whose registry consent is now no (OnConsentWithdrawn: Report); they get no further data; have the registry remove them, or set OnConsentWithdrawn: Retract";

    public TimeSpan Elapsed { get; set; }

    /// <summary>Set when the sync stopped early (destination unreachable); what was confirmed before stays recorded.</summary>
    public string? Error { get; set; }

    /// <summary>Where a file destination wrote this run's output.</summary>
    public string? Output { get; set; }

    public int Sent => Created + Updated;
}
