using Microsoft.Extensions.Logging;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Ledger;
using MndFhir.Sync.Pseudonymisation;
using MndFhir.Sync.Records;

namespace MndFhir.Sync.Runs;

/// <summary>
/// What a destination holds and may hold no longer, found from the ledger before the sync sends anything: the resources
/// of patients whose registry consent is now no (registries), and, during a pseudonym key rotation, everything under the
/// previous key's pseudonyms. They are deleted at the destination, last tier first, and forgotten in the ledger (so a
/// patient who consents again is sent afresh); or, for consent under the Report policy, counted and left for an operator.
/// The keys come from the same resource plan as the sync's, so they are exactly the ones the ledger recorded.
/// </summary>
public sealed class Withdrawals(ResourcePlan plan, DeliveryLedger ledger, DestinationIdentities identities, ILogger<Withdrawals> logger)
{
    /// <summary>What the destination holds of patients without registry consent (empty for destinations that do not ask for it).</summary>
    public async Task<List<(ResourceTier Tier, ResourceKey Key, LedgerSnapshotEntry Entry)>> ConsentWithdrawnAsync(MndFhirDbContext db, DestinationOptions destination, LedgerSnapshot snapshot, CancellationToken ct) =>
        destination.RequiresRegistryConsent
            ? await HeldAsync(db, new RecordScope { NonConsentingOnly = true }, identities.TargetFor(destination), identities.For(destination), snapshot, ct)
            : [];

    /// <summary>What the destination holds under the previous pseudonym key (empty unless a rotation is configured).</summary>
    public async Task<List<(ResourceTier Tier, ResourceKey Key, LedgerSnapshotEntry Entry)>> RetiredPseudonymsAsync(MndFhirDbContext db, DestinationOptions destination, LedgerSnapshot snapshot, CancellationToken ct) =>
        identities.PreviousTargetFor(destination) is { } previous
            ? await HeldAsync(db, RecordScope.Everything, previous, identities.For(destination), snapshot, ct)
            : [];

    /// <summary>Deletes <paramref name="held"/> at the destination (last tier first) and forgets what it confirmed; returns how many went.</summary>
    public async Task<(int Deleted, int Failed)> DeleteAsync(
        IReadOnlyList<(ResourceTier Tier, ResourceKey Key, LedgerSnapshotEntry Entry)> held, IDestinationWriter writer, LedgerSnapshot snapshot, int batchSize, CancellationToken ct)
    {
        var deleted = 0;
        var failed = 0;

        // Never confirmed by the destination (a failed first delivery): nothing to delete there, only the ledger forgets.
        var unsent = held.Where(h => h.Entry.ServerId is null).Select(h => (h.Key, h.Entry.Id)).ToList();
        await ledger.ForgetAsync(snapshot, unsent, ct);
        var onDestination = held.Where(h => h.Entry.ServerId is not null).OrderByDescending(h => h.Tier).ToList();
        foreach (var chunk in onDestination.Chunk(batchSize))
        {
            var results = await writer.DeleteAsync(chunk.Select(h => new Withdrawal(h.Key, h.Entry.ServerId!)).ToList(), ct);
            var ids = chunk.ToDictionary(h => h.Key, h => h.Entry.Id);
            var gone = results.Where(r => r.Accepted).Select(r => (r.Key, ids[r.Key])).ToList();
            await ledger.ForgetAsync(snapshot, gone, ct);
            deleted += gone.Count;
            failed += results.Count - gone.Count;
        }

        if (deleted + failed > 0)
        {
            logger.LogInformation("{Destination}: {Deleted} resources deleted, {Failed} deletes refused", snapshot.Destination, deleted, failed);
        }

        return (deleted, failed);
    }

    private async Task<List<(ResourceTier Tier, ResourceKey Key, LedgerSnapshotEntry Entry)>> HeldAsync(
        MndFhirDbContext db, RecordScope scope, PlanTarget target, ClinicIdentity identity, LedgerSnapshot snapshot, CancellationToken ct)
    {
        var held = new List<(ResourceTier, ResourceKey, LedgerSnapshotEntry)>();
        var source = new DatabaseRecordSource(db, scope);

        // The planned keys are looked up in the ledger a window at a time (a key rotation plans every resource).
        await foreach (var window in plan.AllAsync(source, new ConditionalReferenceResolver(identity), target, ct).Chunk(ResourcePlan.Window).WithCancellation(ct))
        {
            await snapshot.FetchAsync(window.Select(p => p.Key), ct);
            foreach (var planned in window)
            {
                if (snapshot[planned.Key] is { } entry)
                {
                    held.Add((planned.Tier, planned.Key, entry));
                }
            }
        }

        return held;
    }
}
