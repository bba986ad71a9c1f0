namespace MndFhir.Data;

public enum SyncOutcome
{
    Running,
    Succeeded,

    /// <summary>Finished, but some resources were rejected or blocked.</summary>
    PartlySucceeded,

    /// <summary>Stopped early (destination unreachable); what was confirmed before is recorded.</summary>
    Failed,
}
