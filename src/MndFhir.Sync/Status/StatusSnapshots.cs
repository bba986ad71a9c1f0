using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Serialization;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Status;

/// <summary>
/// Keeps each destination's pending and failed counts with a key over what they depend on: the last import, the
/// destination's last run and ledger size, the mappings and the destination's scope settings. A finished sync writes
/// them (pending after it = what waited, failed = what was refused); status reads them while the key holds, and
/// otherwise computes them as a sync would and writes them. Measured on the samples: status 3.7 s computing, 1.2 s
/// reading (the first command after an import or a mapping change pays the computation once).
/// </summary>
public sealed class StatusSnapshots(IDbContextFactory<MndFhirDbContext> contexts, MappingSet rules, ClinicIdentity identity, Pseudonymisation.DestinationIdentities identities, TimeProvider clock)
{
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(2);

    public async Task<StatusSnapshot?> ReadAsync(DestinationOptions destination, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var snapshot = await db.StatusSnapshots.AsNoTracking().FirstOrDefaultAsync(s => s.Destination == destination.Name, ct);
        return snapshot is not null && snapshot.Key == await KeyAsync(db, destination, ct) ? snapshot : null;
    }

    public async Task WriteAsync(DestinationOptions destination, int pending, int failed, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var key = await KeyAsync(db, destination, ct);
        var snapshot = await db.StatusSnapshots.FirstOrDefaultAsync(s => s.Destination == destination.Name, ct);
        if (snapshot is null)
        {
            snapshot = new StatusSnapshot { Destination = destination.Name };
            db.StatusSnapshots.Add(snapshot);
        }

        snapshot.Key = key;
        snapshot.Pending = pending;
        snapshot.Failed = failed;
        snapshot.ComputedAt = clock.GetUtcNow();
        try
        {
            // A cache: behind another process's long write (an import's transaction on SQLite) it is not kept, rather
            // than holding status up until the database's busy timeout. The reads above keep the usual timeout.
            db.Database.SetCommandTimeout(WriteTimeout);
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another process wrote it at the same moment; either figure is right for its key.
        }
    }

    /// <summary>What the destination's pseudonyms depend on (systems, date shift, a check value of the key, never the key).</summary>
    private string KeyCheck(DestinationOptions destination) =>
        identities.TargetFor(destination).Pseudonymiser is { } p
            ? $"{p.Fingerprint};{destination.PreviousPseudonymKeyVariable}"
            : string.Empty;

    private async Task<string> KeyAsync(MndFhirDbContext db, DestinationOptions destination, CancellationToken ct)
    {
        var lastImport = await db.ImportRuns.AsNoTracking().OrderByDescending(r => r.Id).Select(r => new { r.Id, r.Outcome }).FirstOrDefaultAsync(ct);
        var lastRun = await db.SyncRuns.AsNoTracking().Where(r => r.Destination == destination.Name).OrderByDescending(r => r.Id).Select(r => new { r.Id, r.Outcome }).FirstOrDefaultAsync(ct);
        var ledger = await db.Ledger.CountAsync(e => e.Destination == destination.Name, ct);
        return FhirJson.Hash(string.Join(
            '|',
            rules.Fingerprint,
            identity.IdentifierBase,
            destination.RequiresRegistryConsent,
            destination.HospitalMrnSystem,
            KeyCheck(destination),
            destination.OnConsentWithdrawn,
            lastImport?.Id,
            lastImport?.Outcome,
            lastRun?.Id,
            lastRun?.Outcome,
            ledger));
    }
}
