using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Sync.Records;
using MndFhir.Serialization;
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
    TimeProvider clock,
    ILoggerFactory loggers)
{
    private const int LookupsPerBatch = 50;

    public async Task<ReconcileReport> ReconcileAsync(string destinationName, bool repair, CancellationToken ct)
    {
        var destination = settings.Value.Find(destinationName);
        if (destination.Kind != DestinationKind.FhirRest)
        {
            throw new InvalidOperationException($"Destination '{destination.Name}' writes files; reconcile compares a FHIR server with the ledger.");
        }

        var report = new ReconcileReport(destination.Name);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ledger = await db.Ledger.Where(e => e.Destination == destination.Name)
            .ToDictionaryAsync(e => new ResourceKey(e.ResourceType, e.BusinessId), ct);
        using var http = DestinationWriterFactory.CreateHttpClient(destination);
        var retry = new TransientRetry(loggers.CreateLogger<TransientRetry>(), destination.RetryAttempts, maxTotal: TimeSpan.FromSeconds(destination.RetryMaxSeconds));
        var now = clock.GetUtcNow();
        foreach (var chunk in (await KeysInScopeAsync(db, destination, ct)).Chunk(LookupsPerBatch))
        {
            var found = await LookUpAsync(http, retry, plan.Mapper.Identity, destination.Name, chunk, ct);
            for (var i = 0; i < chunk.Length; i++)
            {
                report.Checked++;
                var key = chunk[i];
                var ids = found[i];
                var entry = ledger.GetValueOrDefault(key);
                var delivered = entry is { State: LedgerState.Delivered };
                if (ids.Count > 1)
                {
                    report.Duplicated.Add((key, ids));
                }
                else if (ids.Count == 0 && delivered)
                {
                    report.Missing.Add(key);
                    if (repair)
                    {
                        db.Ledger.Remove(entry!);
                    }
                }
                else if (ids.Count == 1 && entry?.ServerId is { } known && known != ids[0])
                {
                    report.Moved.Add(key);
                    if (repair)
                    {
                        Adopt(entry, ids[0], now);
                    }
                }
                else if (ids.Count == 1 && !delivered)
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
                else
                {
                    report.Agreeing++;
                }
            }
        }

        if (repair)
        {
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
        entry.State = LedgerState.Delivered;
        entry.LastError = null;
        entry.FirstDeliveredAt ??= now;
        entry.UpdatedAt = now;
    }

    /// <summary>The keys of every resource the plan makes of the destination's records (mapping is cheap beside the searches).</summary>
    private async Task<List<ResourceKey>> KeysInScopeAsync(MndFhirDbContext db, DestinationOptions destination, CancellationToken ct)
    {
        var source = new DatabaseRecordSource(db, RecordScope.For(destination));
        var resolver = new ConditionalReferenceResolver(plan.Mapper.Identity);
        return await plan.AllAsync(source, resolver, destination.HospitalMrnSystem, ct).Select(r => r.Key).ToListAsync(ct);
    }

    /// <summary>
    /// One batch of identifier searches (<see cref="ClinicIdentity.ConditionalUrl"/>, the search delivery updates by);
    /// per key, the ids of the server's resources carrying that identifier. Internal for the integration tests.
    /// </summary>
    internal static async Task<List<List<string>>> LookUpAsync(
        HttpClient http, TransientRetry retry, ClinicIdentity identity, string destination, IReadOnlyList<ResourceKey> keys, CancellationToken ct)
    {
        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        foreach (var key in keys)
        {
            batch.Entry.Add(new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = identity.ConditionalUrl(key) } });
        }

        var body = FhirJson.Serialize(batch);
        using var response = await retry.SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, string.Empty) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/fhir+json") },
            http,
            destination,
            ct);
        var answer = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new DestinationUnavailableException($"Destination '{destination}' answered HTTP {(int)response.StatusCode} to a batch of identifier searches.");
        }

        // Only ids are needed: read them leniently, so a server's harmless imperfection elsewhere in a resource
        // (an empty array, an unknown element) does not stop the comparison.
        using var result = JsonDocument.Parse(answer);
        var entries = result.RootElement.TryGetProperty("entry", out var e) ? e.EnumerateArray().ToList() : [];
        if (entries.Count != keys.Count)
        {
            throw new DestinationUnavailableException($"Destination '{destination}' answered {entries.Count} entries to {keys.Count} searches.");
        }

        return entries.Select(entry => entry.TryGetProperty("resource", out var found) && found.TryGetProperty("resourceType", out var type) && type.GetString() == "Bundle"
                ? (found.TryGetProperty("entry", out var matches) ? matches.EnumerateArray() : default)
                    .Select(m => m.TryGetProperty("resource", out var r) && r.TryGetProperty("id", out var id) ? id.GetString() : null)
                    .OfType<string>()
                    .ToList()
                : throw new DestinationUnavailableException($"Destination '{destination}' answered a search with {(entry.TryGetProperty("response", out var resp) && resp.TryGetProperty("status", out var st) ? st.GetString() : "no bundle")}."))
            .ToList();
    }
}
