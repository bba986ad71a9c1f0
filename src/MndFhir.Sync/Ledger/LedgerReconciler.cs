using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Sync.Records;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;

namespace MndFhir.Sync.Ledger;

/// <summary>
/// Compares a FHIR destination with its ledger, record by record (batches of identifier searches), and on request
/// repairs the ledger so the next sync puts the server right: a missing resource is forgotten (re-created), a moved
/// one is re-pointed, an unknown one is adopted; the contents are re-sent in place. Duplicates are only reported:
/// which of two resources a hospital keeps is not a machine's decision.
/// </summary>
public sealed class LedgerReconciler(
    IDbContextFactory<MndFhirDbContext> contexts,
    ResourcePlan plan,
    IOptions<SyncSettings> settings,
    FhirServerClientFactory clients,
    Pseudonymisation.DestinationIdentities identities,
    TimeProvider clock,
    ILoggerFactory loggers)
{
    private const int LookupsPerBatch = 50;

    public async Task<ReconcileReport> ReconcileAsync(string destinationName, bool repair, CancellationToken ct)
    {
        var destination = settings.Value.Find(destinationName);
        if (destination.Kind != DestinationKind.FhirRest)
        {
            throw new ConfigurationException($"Destination '{destination.Name}' writes files; reconcile compares a FHIR server with the ledger.");
        }

        var report = new ReconcileReport(destination.Name);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ledger = await db.Ledger.Where(e => e.Destination == destination.Name)
            .ToDictionaryAsync(e => new ResourceKey(e.ResourceType, e.BusinessId), ct);
        using var client = clients.Create(destination.Name);
        var now = clock.GetUtcNow();
        foreach (var chunk in (await KeysInScopeAsync(db, destination, ct)).Chunk(LookupsPerBatch))
        {
            var found = await client.SearchByIdentifierAsync(chunk, ct);
            for (var i = 0; i < chunk.Length; i++)
            {
                report.Checked++;
                var key = chunk[i];
                var ids = found[i];
                var entry = ledger.GetValueOrDefault(key);

                // The server id decides before the delivery state: an entry whose later update failed (a dead letter) still
                // points at the resource the server holds.
                if (ids.Count > 1)
                {
                    report.Duplicated.Add((key, ids));
                }
                else if (ids.Count == 0)
                {
                    if (entry?.ServerId is null)
                    {
                        report.Agreeing++;
                        continue;
                    }

                    report.Missing.Add(key);
                    if (repair)
                    {
                        db.Ledger.Remove(entry);
                    }
                }
                else if (entry?.ServerId == ids[0])
                {
                    report.Agreeing++;
                }
                else if (entry?.ServerId is not null)
                {
                    report.Moved.Add(key);
                    if (repair)
                    {
                        Adopt(entry, ids[0], now);
                    }
                }
                else
                {
                    report.UnknownToLedger.Add(key);
                    if (repair)
                    {
                        if (entry is null)
                        {
                            entry = new LedgerEntry { Destination = destination.Name, ResourceType = key.ResourceType, BusinessId = key.BusinessId, RecordId = key.BusinessId };
                            db.Ledger.Add(entry);
                        }

                        Adopt(entry, ids[0], now);
                    }
                }
            }
        }

        if (repair)
        {
            // The repaired ledger changes what is pending: the status figures are computed afresh.
            await db.StatusSnapshots.Where(s => s.Destination == destination.Name).ExecuteDeleteAsync(ct);
            await db.SaveChangesAsync(ct);
            report.Repaired = true;
        }

        loggers.CreateLogger<LedgerReconciler>().LogInformation(
            "Reconciled {Destination}: {Checked} checked, {Missing} missing, {Moved} moved, {Unknown} unknown to the ledger, {Duplicated} duplicated, repaired {Repaired}",
            destination.Name, report.Checked, report.Missing.Count, report.Moved.Count, report.UnknownToLedger.Count, report.Duplicated.Count, repair);
        return report;
    }

    /// <summary>Points the ledger at the server's resource and forgets the content hash, so the next sync updates it in place.</summary>
    private static void Adopt(LedgerEntry entry, string serverId, DateTimeOffset now)
    {
        entry.ServerId = serverId;
        entry.ServerVersion = null;
        entry.ContentHash = string.Empty;
        entry.InputHash = null;
        entry.State = LedgerState.Delivered;
        entry.LastError = null;
        entry.FirstDeliveredAt ??= now;
        entry.UpdatedAt = now;
    }

    /// <summary>The keys of every resource the plan makes of the destination's records (mapping is cheap beside the searches).</summary>
    private async Task<List<ResourceKey>> KeysInScopeAsync(MndFhirDbContext db, DestinationOptions destination, CancellationToken ct)
    {
        var source = new DatabaseRecordSource(db, RecordScope.For(destination));
        var resolver = new ConditionalReferenceResolver(identities.For(destination));
        return await plan.AllAsync(source, resolver, identities.TargetFor(destination), ct).Select(r => r.Key).ToListAsync(ct);
    }
}
