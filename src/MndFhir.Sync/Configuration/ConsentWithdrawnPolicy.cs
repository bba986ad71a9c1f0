namespace MndFhir.Sync.Configuration;

/// <summary>What a registry sync does with what the destination holds of a patient whose registry consent was withdrawn.</summary>
public enum ConsentWithdrawnPolicy
{
    /// <summary>Delete it at the destination (FHIR delete; for NDJSON folders, a Bulk Data "deleted" file) and forget it in the ledger.</summary>
    Retract,

    /// <summary>Leave it there and report it on every sync (summary line, run history, dry run) until an operator acts.</summary>
    Report,
}
