using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;

namespace MndFhir.Sync.Scheduling;

/// <summary>What one run of the main job did: the import (or why there was none) and every destination's sync or failure.</summary>
public sealed record MainJobResult
{
    public ImportSummary? Import { get; init; }

    /// <summary>Why nothing was imported (no export path, not complete yet, imported before), when nothing was.</summary>
    public string? NoImportReason { get; init; }

    public List<SyncRunSummary> Syncs { get; } = [];

    /// <summary>Destinations whose sync did not run or stopped on an exception, with it (credentials, configuration, disk).</summary>
    public List<(string Destination, Exception Error)> Failures { get; } = [];

    /// <summary>Something failed: a sync stopped or did not run, or a destination was unreachable.</summary>
    public bool Failed => Failures.Count > 0 || Syncs.Any(s => s.Error is not null);
}
