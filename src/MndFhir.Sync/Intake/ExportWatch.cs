using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Intake;

/// <summary>
/// Recognises a new complete export (docs/operations.md, "Scheduled intake"): all three files present; complete when
/// the marker file the clinic writes last (Clinic:ExportReadyMarker) is there and no older than the files, or else
/// when none of the files changed for Clinic:ExportQuietSeconds; new when its fingerprint differs from every export an
/// import kept (a failed import does not count, so it is tried again).
/// </summary>
public sealed class ExportWatch(IDbContextFactory<MndFhirDbContext> contexts, IOptions<ClinicOptions> clinic, TimeProvider clock)
{
    public async Task<ExportReadiness> CheckAsync(string folder, CancellationToken ct)
    {
        if (!Directory.Exists(folder))
        {
            return ExportReadiness.NotReady($"the export folder {folder} does not exist");
        }

        var files = Enum.GetValues<ClinicFile>().Select(f => new FileInfo(Path.Combine(folder, f.FileName()))).ToList();
        if (files.FirstOrDefault(f => !f.Exists) is { } missing)
        {
            return ExportReadiness.NotReady($"{missing.Name} is not in the export folder yet");
        }

        var newest = files.Max(f => f.LastWriteTimeUtc);
        var marker = new FileInfo(Path.Combine(folder, clinic.Value.ExportReadyMarker));
        var quiet = TimeSpan.FromSeconds(clinic.Value.ExportQuietSeconds);
        var unchangedFor = clock.GetUtcNow().UtcDateTime - newest;
        if (!(marker.Exists && marker.LastWriteTimeUtc >= newest) && unchangedFor < quiet)
        {
            return ExportReadiness.NotReady(
                $"the export is not complete yet: no {marker.Name} written after the files, and they changed {unchangedFor.TotalSeconds:0} s ago (complete after {quiet.TotalSeconds:0} s unchanged)");
        }

        var fingerprint = await ExportFingerprint.OfAsync(folder, ct);
        if (fingerprint is null)
        {
            return ExportReadiness.NotReady("a file of the export disappeared while it was read");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var imported = await db.ImportRuns.AsNoTracking()
            .Where(r => r.Fingerprint == fingerprint && (r.Outcome == ImportOutcome.Succeeded || r.Outcome == ImportOutcome.PartlySucceeded))
            .OrderByDescending(r => r.Id).Select(r => (long?)r.Id).FirstOrDefaultAsync(ct);
        return imported is { } id
            ? new ExportReadiness(false, fingerprint, $"the export was imported before (import {id}); waiting for a new one")
            : new ExportReadiness(true, fingerprint, "a new complete export");
    }
}
