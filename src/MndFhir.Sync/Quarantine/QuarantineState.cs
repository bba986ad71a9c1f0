namespace MndFhir.Sync.Quarantine;

public enum QuarantineState
{
    /// <summary>Waits for a valid row with the same id, the file read whole without the row, or an operator's dismissal.</summary>
    Open,

    /// <summary>A later import resolved it, or an operator dismissed it (the resolution says which, and why).</summary>
    Resolved,
}
