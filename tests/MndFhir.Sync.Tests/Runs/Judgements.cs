using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Planning;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Ledger;
using MndFhir.Sync.Pseudonymisation;
using MndFhir.Sync.Records;

namespace MndFhir.Sync.Tests.Runs;

/// <summary>
/// A destination's change set as its sync judges it, without sending anything: each resource's judgement by the
/// destination's key, how many were judged by input hash without being mapped, the most bulk ledger entries the snapshot
/// held at once and how many it read one at a time.
/// </summary>
internal sealed record Judgements(Dictionary<ResourceKey, ChangeKind> Kinds, int Unmapped, int MostHeld, long Misses)
{
    /// <summary>How many resources were judged each way.</summary>
    public Dictionary<ChangeKind, int> Counts => Kinds.Values.CountBy(k => k).ToDictionary();

    /// <param name="remember">Judge by input hash where the ledger allows (decision 0018), as a sync does.</param>
    public static async Task<Judgements> OfAsync(IServiceProvider services, string destinationName, bool remember)
    {
        var destination = services.GetRequiredService<IOptions<SyncSettings>>().Value.Find(destinationName);
        var identities = services.GetRequiredService<DestinationIdentities>();
        var snapshot = await services.GetRequiredService<DeliveryLedger>().LoadAsync(destinationName, CancellationToken.None);
        await using var db = await services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync();
        var changes = new ChangeSetBuilder(services.GetRequiredService<ResourcePlan>(), new DatabaseRecordSource(db, RecordScope.For(destination)), identities.TargetFor(destination), snapshot, remember);
        var resolver = new LedgerReferenceResolver(snapshot, identities.For(destination));
        var kinds = new Dictionary<ResourceKey, ChangeKind>();
        var unmapped = 0;
        var most = 0;
        foreach (var tier in ResourcePlan.Tiers)
        {
            await foreach (var item in changes.TierAsync(tier, resolver, CancellationToken.None))
            {
                kinds.Add(item.Mapped.Key, item.Kind);
                unmapped += item.Mapped.Resource is null ? 1 : 0;
                most = Math.Max(most, snapshot.WindowCount);
            }
        }

        return new Judgements(kinds, unmapped, most, snapshot.Misses);
    }
}
