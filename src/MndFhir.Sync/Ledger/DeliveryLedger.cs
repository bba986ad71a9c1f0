using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Planning;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Delivery;

namespace MndFhir.Sync.Ledger;

/// <summary>
/// The one source of truth for what each destination holds. Only what the destination confirmed is written as
/// delivered; rejections are written as failed with the server's answer, so status and retries can find them.
/// </summary>
public sealed class DeliveryLedger(IDbContextFactory<MndFhirDbContext> contexts, TimeProvider clock)
{
    /// <summary>How many keys one query of the ledger names, as one parameter (EF.Parameter: a JSON array or an array, not one parameter a key, so the SQL is the same for every query).</summary>
    private const int KeysPerQuery = 1024;

    /// <summary>How many bulk entries a sync's window holds (<see cref="LedgerSnapshot"/>); smaller in tests, to prove windows move on.</summary>
    public int WindowCapacity { get; init; } = LedgerSnapshot.DefaultWindowCapacity;

    /// <summary>
    /// The destination's ledger for one sync: the entries of the types held for the whole sync, read now; those of the
    /// bulk types read in windows as the sync asks for them (<see cref="LedgerSnapshot"/>).
    /// </summary>
    public async Task<LedgerSnapshot> LoadAsync(string destination, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var bulk = ResourcePlan.BulkResourceTypes.ToList();
        var rows = db.Ledger.AsNoTracking().Where(e => e.Destination == destination && !bulk.Contains(e.ResourceType));

        // Read raw: these entries are read at the start of every sync, and EF's materialization of ledger rows took
        // more than half of the load (BENCHMARKS.md, no-change resync).
        var held = new List<(string Type, string BusinessId, LedgerSnapshotEntry Entry)>();
        await foreach (var row in ReadEntriesAsync(db, rows, ct))
        {
            held.Add(row);
        }

        var snapshot = new LedgerSnapshot(destination, new KeyedReads(contexts, destination).ReadAsync, WindowCapacity)
        {
            WasEmpty = held.Count == 0 && !await db.Ledger.AnyAsync(e => e.Destination == destination, ct),
        };
        foreach (var (type, businessId, entry) in held)
        {
            snapshot.Set(type, businessId, entry);
        }

        return snapshot;
    }

    /// <summary>
    /// Reads the entries of given keys of one destination's ledger for one snapshot. Keys planned together are mostly
    /// neighbours (one patient's assessments, in id order), so their entries are first read as the range between the
    /// least and the greatest key, on the unique index; keys the range did not give (absent, or outside it in the
    /// database's collation) are then read by name. Where ranges give less than half of what is asked (keys in no
    /// useful order, such as a registry's pseudonyms), the next windows are read by name alone.
    /// </summary>
    private sealed class KeyedReads(IDbContextFactory<MndFhirDbContext> contexts, string destination)
    {
        private const int SmallestRange = 32;
        private const int WindowsWithoutRanges = 8;
        private int _skipRanges;

        public async Task<List<(ResourceKey Key, LedgerSnapshotEntry Entry)>> ReadAsync(IReadOnlyList<ResourceKey> keys, CancellationToken ct)
        {
            var found = new List<(ResourceKey, LedgerSnapshotEntry)>(keys.Count);
            await using var db = await contexts.CreateDbContextAsync(ct);
            foreach (var ofType in keys.GroupBy(k => k.ResourceType, StringComparer.Ordinal))
            {
                var type = ofType.Key;
                var wanted = ofType.Select(k => k.BusinessId).ToHashSet(StringComparer.Ordinal);
                if (wanted.Count >= SmallestRange && Interlocked.Decrement(ref _skipRanges) < 0)
                {
                    var asked = wanted.Count;
                    var low = wanted.Min(StringComparer.Ordinal)!;
                    var high = wanted.Max(StringComparer.Ordinal)!;
                    var range = db.Ledger.AsNoTracking()
                        .Where(e => e.Destination == destination && e.ResourceType == type && e.BusinessId.CompareTo(low) >= 0 && e.BusinessId.CompareTo(high) <= 0)
                        .OrderBy(e => e.BusinessId)
                        .Take(2 * asked);
                    await foreach (var (_, businessId, entry) in ReadEntriesAsync(db, range, ct))
                    {
                        if (wanted.Remove(businessId))
                        {
                            found.Add((new ResourceKey(type, businessId), entry));
                        }
                    }

                    Volatile.Write(ref _skipRanges, 2 * (asked - wanted.Count) < asked ? WindowsWithoutRanges : 0);
                }

                foreach (var chunk in wanted.Chunk(KeysPerQuery))
                {
                    await foreach (var (_, businessId, entry) in ReadEntriesAsync(db, Named(db.Ledger.AsNoTracking(), destination, type, chunk), ct))
                    {
                        found.Add((new ResourceKey(type, businessId), entry));
                    }
                }
            }

            return found;
        }
    }

    /// <summary>The entries of a destination with these business ids of one type, the ids as one parameter (<see cref="KeysPerQuery"/> at most).</summary>
    private static IQueryable<LedgerEntry> Named(IQueryable<LedgerEntry> ledger, string destination, string type, string[] businessIds) =>
        ledger.Where(e => e.Destination == destination && e.ResourceType == type && EF.Parameter(businessIds).Contains(e.BusinessId));

    private static IAsyncEnumerable<(string Type, string BusinessId, LedgerSnapshotEntry Entry)> ReadEntriesAsync(MndFhirDbContext db, IQueryable<LedgerEntry> entries, CancellationToken ct) =>
        entries.Select(e => new { e.Id, e.ResourceType, e.BusinessId, e.ContentHash, e.ServerId, e.State, e.InputHash }).ReadAsync(db, static Func<DbDataReader, (string Type, string BusinessId, LedgerSnapshotEntry Entry)> (r) =>
        {
            int id = r.GetOrdinal(nameof(LedgerEntry.Id)), type = r.GetOrdinal(nameof(LedgerEntry.ResourceType)), businessId = r.GetOrdinal(nameof(LedgerEntry.BusinessId)),
                hash = r.GetOrdinal(nameof(LedgerEntry.ContentHash)), serverId = r.GetOrdinal(nameof(LedgerEntry.ServerId)), state = r.GetOrdinal(nameof(LedgerEntry.State)),
                inputs = r.GetOrdinal(nameof(LedgerEntry.InputHash));
            return row => (row.GetString(type), row.GetString(businessId),
                new LedgerSnapshotEntry(row.GetInt64(id), row.GetString(hash), row.StringOrNull(serverId), row.Enum<LedgerState>(state) == LedgerState.Delivered, row.StringOrNull(inputs)));
        }, ct);

    /// <summary>
    /// Forgets what the destination no longer holds (deleted there, or never confirmed): the next sync treats these
    /// resources as new, should they come back into the destination's scope.
    /// </summary>
    public async Task ForgetAsync(LedgerSnapshot snapshot, IReadOnlyList<(ResourceKey Key, long Id)> entries, CancellationToken ct)
    {
        if (entries.Count == 0)
        {
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        foreach (var chunk in entries.Select(e => e.Id).Chunk(KeysPerQuery))
        {
            await db.Ledger.Where(e => EF.Parameter(chunk).Contains(e.Id)).ExecuteDeleteAsync(ct);
        }

        foreach (var (key, _) in entries)
        {
            snapshot.Remove(key);
        }
    }

    /// <summary>
    /// Records the inputs (<see cref="LedgerEntry.InputHash"/>) of unchanged content whose entries held other inputs, or
    /// none: after a new build, a mapping change or an upgrade of the ledger, so that the next sync judges them without
    /// mapping (decision 0018). One prepared UPDATE a row, in one transaction; the content hash and the rest stay.
    /// </summary>
    public async Task RememberInputsAsync(IReadOnlyList<(long Id, UInt128 Inputs)> entries, CancellationToken ct)
    {
        if (entries.Count == 0)
        {
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var entity = db.Model.FindEntityType(typeof(LedgerEntry))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var inputs = entity.FindProperty(nameof(LedgerEntry.InputHash))!;
        var id = entity.FindProperty(nameof(LedgerEntry.Id))!;
        await db.Database.OpenConnectionAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await using (var command = db.Database.GetDbConnection().CreateCommand())
        {
            command.Transaction = transaction.GetDbTransaction();
            command.CommandText = $"UPDATE {sql.DelimitIdentifier(table.Name, table.Schema)} SET {sql.DelimitIdentifier(inputs.GetColumnName(table)!)} = {sql.GenerateParameterNamePlaceholder("inputs")} WHERE {sql.DelimitIdentifier(id.GetColumnName(table)!)} = {sql.GenerateParameterNamePlaceholder("id")}";
            var inputsParameter = inputs.GetRelationalTypeMapping().CreateParameter(command, "inputs", null, nullable: true);
            var idParameter = id.GetRelationalTypeMapping().CreateParameter(command, "id", null, nullable: false);
            command.Parameters.Add(inputsParameter);
            command.Parameters.Add(idParameter);
            foreach (var (entryId, value) in entries)
            {
                inputsParameter.Value = (object?)LedgerSnapshotEntry.InputHashText(value) ?? DBNull.Value;
                idParameter.Value = entryId;
                await command.ExecuteNonQueryAsync(ct);
            }
        }

        await transaction.CommitAsync(ct);
    }

    /// <summary>Writes the destination's answers for one batch in one database transaction and updates the snapshot.</summary>
    public async Task RecordAsync(LedgerSnapshot snapshot, IReadOnlyList<ChangeSetItem> batch, IReadOnlyList<DeliveryResult> results, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var items = batch.ToDictionary(i => i.Mapped.Key);
        await using var db = await contexts.CreateDbContextAsync(ct);

        // The entries these resources already have, read by key: what was judged new had none, and nothing else writes
        // this destination's entries while the sync holds its lease.
        var existing = new Dictionary<ResourceKey, LedgerEntry>();
        foreach (var ofType in results.Select(r => r.Key).Where(k => items[k].Kind != ChangeKind.New).GroupBy(k => k.ResourceType, StringComparer.Ordinal))
        {
            var type = ofType.Key;
            foreach (var chunk in ofType.Select(k => k.BusinessId).Chunk(KeysPerQuery))
            {
                await foreach (var e in Named(db.Ledger, snapshot.Destination, type, chunk).AsAsyncEnumerable().WithCancellation(ct))
                {
                    existing[new ResourceKey(e.ResourceType, e.BusinessId)] = e;
                }
            }
        }

        var written = new Dictionary<ResourceKey, LedgerEntry>(results.Count);
        var raw = RawInserts.Supports(db);
        var inserted = new List<LedgerEntry>();
        foreach (var result in results)
        {
            var item = items[result.Key];
            if (!existing.TryGetValue(result.Key, out var entry))
            {
                entry = new LedgerEntry
                {
                    Destination = snapshot.Destination,
                    ResourceType = result.Key.ResourceType,
                    BusinessId = result.Key.BusinessId,
                    ContentHash = string.Empty,
                };
                if (raw)
                {
                    inserted.Add(entry);
                }
                else
                {
                    db.Ledger.Add(entry);
                }
            }

            written[result.Key] = entry;
            entry.RecordId = item.Mapped.RecordId;
            entry.UpdatedAt = now;
            entry.Attempts++;
            if (result.Accepted)
            {
                entry.State = LedgerState.Delivered;
                entry.ContentHash = item.Hash;
                entry.InputHash = LedgerSnapshotEntry.InputHashText(item.Inputs);
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

        if (raw)
        {
            // New entries (every entry of a first sync) are inserted without EF's change tracker, in the transaction
            // that saves the updated ones.
            // A batch of new resources only (a first sync) tracks nothing: EF's SaveChanges is not asked, since it
            // would find nothing to write at the cost of its whole pipeline, once a batch.
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await RawInserts.InsertAsync(db, inserted, ct);
            if (existing.Count > 0)
            {
                await db.SaveChangesAsync(ct);
            }

            await transaction.CommitAsync(ct);
        }
        else
        {
            await db.SaveChangesAsync(ct);
        }

        foreach (var (key, entry) in written)
        {
            snapshot.Set(key, new LedgerSnapshotEntry(entry.Id, entry.ContentHash, entry.ServerId, entry.State == LedgerState.Delivered, entry.InputHash));
        }
    }
}
