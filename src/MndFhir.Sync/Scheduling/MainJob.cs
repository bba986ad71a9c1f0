using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;

namespace MndFhir.Sync.Scheduling;

/// <summary>
/// The main job, one code path whether `mndfhir run`, the schedule or the API starts it: import the export (a new complete
/// one, or whatever is there when an operator asks), then sync every destination, each on its own: one destination's
/// failure never keeps the others from their sync. Import and sync never interleave, across processes too (leases).
/// </summary>
public sealed class MainJob(
    IOptions<ClinicOptions> clinic,
    IOptions<SyncSettings> settings,
    ExportWatch watch,
    ClinicImporter importer,
    SyncRunner runner,
    ILogger<MainJob> logger)
{
    public async Task<MainJobResult> RunAsync(MainJobOptions options, CancellationToken ct)
    {
        ImportSummary? import = null;
        string? noImport = null;
        if (clinic.Value.ExportPath is not { } folder)
        {
            noImport = "no export folder is configured (Clinic:ExportPath)";
        }
        else
        {
            var readiness = options.ImportEvenIfSeen ? null : await watch.CheckAsync(folder, ct);
            if (readiness is { Ready: false })
            {
                noImport = readiness.Reason;
                logger.LogInformation("No import: {Reason}", readiness.Reason);
            }
            else
            {
                import = await importer.ImportAsync(folder, new ImportOptions { Trigger = options.Trigger, UnlessImported = readiness?.Fingerprint }, ct);
            }
        }

        var result = new MainJobResult { Import = import, NoImportReason = noImport };
        if (import is null && !options.SyncWithoutNewExport)
        {
            return result;
        }

        foreach (var destination in settings.Value.Destinations)
        {
            try
            {
                result.Syncs.Add(await runner.RunAsync(destination.Name, options.Trigger, ct));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Recorded on the run (and logged) by the runner; the other destinations still get their sync.
                result.Failures.Add((destination.Name, ex));
            }
        }

        return result;
    }
}
