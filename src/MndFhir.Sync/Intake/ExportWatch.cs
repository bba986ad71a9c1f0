using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Intake;

/// <summary>
/// Recognises a new complete export (docs/operations.md, "Scheduled intake"). All three files must be there. The export
/// is complete when the marker the clinic writes last (Clinic:ExportReadyMarker) is there, no older than the files, and
/// the files read the same twice a second apart; or, without the marker, when this watch has seen the same contents
/// for Clinic:ExportQuietSeconds. Contents, not file times, decide: a copy keeps a file's old modification time, so
/// times alone would take a half-replaced export for a settled one. It is new when its fingerprint differs from every
/// export an import kept (a failed import does not count, so it is tried again). One watch per process (a singleton):
/// what it has seen is in memory, and a restart only delays an import by one quiet period.
/// </summary>
public sealed class ExportWatch(IDbContextFactory<MndFhirDbContext> contexts, IOptions<ClinicOptions> clinic, TimeProvider clock)
{
    private readonly Lock _lock = new();
    private (string Folder, string Fingerprint, DateTimeOffset Since)? _seen;

    public async Task<ExportReadiness> CheckAsync(string folder, CancellationToken ct)
    {
        if (!Directory.Exists(folder))
        {
            return ExportReadiness.NotReady($"the export folder {folder} does not exist");
        }

        // Never reads a device, named pipe or socket, which could never end (ExportFileOpener): such a file is said why.
        var (read, problem) = await ExportFingerprint.ReadAsync(folder, ct);
        if (read is not { } fingerprint)
        {
            return ExportReadiness.NotReady(problem!.Rule == FileRules.MissingFile ? $"{problem.File} is not in the export folder yet" : problem.ToString());
        }

        var files = Enum.GetValues<ClinicFile>().Select(f => new FileInfo(Path.Combine(folder, f.FileName()))).ToList();
        var now = clock.GetUtcNow();
        var marker = new FileInfo(Path.Combine(folder, clinic.Value.ExportReadyMarker));
        var complete = marker.Exists && marker.LastWriteTimeUtc >= files.Max(f => f.LastWriteTimeUtc);
        if (complete)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), clock, ct);
            complete = await ExportFingerprint.OfAsync(folder, ct) == fingerprint;
        }

        var quiet = TimeSpan.FromSeconds(clinic.Value.ExportQuietSeconds);
        TimeSpan unchanged;
        lock (_lock)
        {
            if (_seen is not { } seen || seen.Folder != folder || seen.Fingerprint != fingerprint)
            {
                _seen = (folder, fingerprint, now);
            }

            unchanged = now - _seen.Value.Since;
        }

        if (!complete && unchanged < quiet)
        {
            return ExportReadiness.NotReady(
                $"the export is not complete yet: no {marker.Name} written after the files, and its contents have been seen unchanged for {unchanged.TotalSeconds:0} s (complete after {quiet.TotalSeconds:0} s)");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        return await ExportFingerprint.ImportedAsync(db, fingerprint, ct) is { } id
            ? new ExportReadiness(false, fingerprint, $"the export was imported before (import {id}); waiting for a new one")
            : new ExportReadiness(true, fingerprint, "a new complete export");
    }
}
