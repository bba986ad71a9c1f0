namespace MndFhir.Sync.Quarantine;

public enum QuarantineState
{
    /// <summary>Waits for a valid row with the same id (or the file read whole).</summary>
    Open,

    /// <summary>A later import resolved it.</summary>
    Resolved,
}
