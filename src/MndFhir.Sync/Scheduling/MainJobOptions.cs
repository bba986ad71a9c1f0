namespace MndFhir.Sync.Scheduling;

/// <summary>How one run of the main job goes.</summary>
public sealed record MainJobOptions
{
    /// <summary>manual (mndfhir run), scheduled or api: recorded with the import and every sync run.</summary>
    public string Trigger { get; init; } = "manual";

    /// <summary>
    /// Import whatever the export folder holds, even the export imported last (an operator's explicit run: a mapping
    /// change may accept rows it rejected); otherwise only a new complete export is imported.
    /// </summary>
    public bool ImportEvenIfSeen { get; init; }

    /// <summary>Sync every destination even when no new export was imported (the operator's run); the schedule syncs after an import only, destinations keep their own schedules.</summary>
    public bool SyncWithoutNewExport { get; init; }
}
