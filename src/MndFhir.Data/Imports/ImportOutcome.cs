namespace MndFhir.Data;

public enum ImportOutcome
{
    Running,

    /// <summary>Every row of the export was imported.</summary>
    Succeeded,

    /// <summary>Imported, but rows or whole files were rejected (see the quarantine), or removals were refused.</summary>
    PartlySucceeded,

    /// <summary>Stopped (a local fault, the process killed): nothing of this import was kept.</summary>
    Failed,
}
