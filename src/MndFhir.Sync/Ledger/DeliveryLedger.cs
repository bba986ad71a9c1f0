using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Delivery;

namespace MndFhir.Sync.Ledger;

/// <summary>
/// The one source of truth for what each destination holds. Only what the destination confirmed is written as
/// delivered; rejections are written as failed with the server's answer, so status and retries can find them.
/// </summary>
public sealed class DeliveryLedger(IDbContextFactory<MndFhirDbContext> contexts, TimeProvider clock)
{
    public async Task<LedgerSnapshot> LoadAsync(string destination, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var snapshot = new LedgerSnapshot(destination);
        var rows = db.Ledger.AsNoTracking().Where(e => e.Destination == destination)
            .Select(e => new { e.Id, e.ResourceType, e.BusinessId, e.ContentHash, e.ServerId, e.State });

        // Read raw: every entry of the destination is read at the start of every sync, and EF's materialization of
        // these rows took more than half of the load (BENCHMARKS.md, no-change resync).
        var entries = rows.ReadAsync(db, static Func<DbDataReader, (string Type, string BusinessId, LedgerSnapshotEntry Entry)> (r) =>
        {
            int id = r.GetOrdinal(nameof(LedgerEntry.Id)), type = r.GetOrdinal(nameof(LedgerEntry.ResourceType)), businessId = r.GetOrdinal(nameof(LedgerEntry.BusinessId)),
                hash = r.GetOrdinal(nameof(LedgerEntry.ContentHash)), serverId = r.GetOrdinal(nameof(LedgerEntry.ServerId)), state = r.GetOrdinal(nameof(LedgerEntry.State));
            return row => (row.GetString(type), row.GetString(businessId),
                new LedgerSnapshotEntry(row.GetInt64(id), row.GetString(hash), row.StringOrNull(serverId), row.Enum<LedgerState>(state) == LedgerState.Delivered));
        }, ct);
        await foreach (var (type, businessId, entry) in entries)
        {
            snapshot.Set(type, businessId, entry);
        }

        return snapshot;
    }

    /// <summary>
    /// Forgets what the destination no longer holds (deleted there, or never confirmed): the next sync treats these
    /// resources as new, should they come back into the destination's scope.
    /// </summary>
    public async Task ForgetAsync(LedgerSnapshot snapshot, IReadOnlyList<ResourceKey> keys, CancellationToken ct)
    {
        var ids = keys.Select(k => snapshot[k]?.Id).OfType<long>().ToList();
        if (ids.Count == 0)
        {
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        foreach (var chunk in ids.Chunk(500))
        {
            await db.Ledger.Where(e => chunk.Contains(e.Id)).ExecuteDeleteAsync(ct);
        }

        foreach (var key in keys)
        {
            snapshot.Remove(key);
        }
    }

    /// <summary>Writes the destination's answers for one batch in one database transaction and updates the snapshot.</summary>
    public async Task RecordAsync(LedgerSnapshot snapshot, IReadOnlyList<ChangeSetItem> batch, IReadOnlyList<DeliveryResult> results, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var items = batch.ToDictionary(i => i.Mapped.Key);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var heldBefore = results.Select(r => snapshot[r.Key]).ToList();
        var ids = heldBefore.Select(h => h?.Id).OfType<long>().ToList();
        var existing = await db.Ledger.Where(e => ids.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var written = new Dictionary<ResourceKey, LedgerEntry>(results.Count);
        foreach (var (result, held) in results.Zip(heldBefore))
        {
            var item = items[result.Key];
            var entry = held is { } h && existing.TryGetValue(h.Id, out var e) ? e : null;
            if (entry is null)
            {
                entry = new LedgerEntry
                {
                    Destination = snapshot.Destination,
                    ResourceType = result.Key.ResourceType,
                    BusinessId = result.Key.BusinessId,
                    ContentHash = string.Empty,
                };
                db.Ledger.Add(entry);
            }

            written[result.Key] = entry;
            entry.RecordId = item.Mapped.RecordId;
            entry.UpdatedAt = now;
            entry.Attempts++;
            if (result.Accepted)
            {
                entry.State = LedgerState.Delivered;
                entry.ContentHash = item.Hash;
                entry.ServerId = result.ServerId;
                entry.ServerVersion = result.ServerVersion;
                entry.LastError = null;
                entry.LastStatus = null;
                entry.FirstDeliveredAt ??= now;
                entry.Attempts = 0;
            }
            else
            {
                // A rejected content leaves what the destination held untouched (server id, version, hash),
                // and marks the entry failed so the next sync retries it and status reports it.
                entry.State = LedgerState.Failed;
                entry.LastError = result.Error;
                entry.LastStatus = result.Status;
            }
        }

        await db.SaveChangesAsync(ct);
        foreach (var (key, entry) in written)
        {
            snapshot.Set(key, new LedgerSnapshotEntry(entry.Id, entry.ContentHash, entry.ServerId, entry.State == LedgerState.Delivered));
        }
    }
}
