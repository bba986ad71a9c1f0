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

/// <summary>A destination's change set as its sync judges it, without sending anything.</summary>
internal static class Judgements
{
    /// <summary>
    /// Each resource's judgement, by the destination's key; with <paramref name="remember"/>, judged by input hash where
    /// the ledger allows (decision 0018), and how many were judged so without being mapped.
    /// </summary>
    public static async Task<(Dictionary<ResourceKey, ChangeKind> Kinds, int Unmapped)> OfAsync(IServiceProvider services, string destinationName, bool remember)
    {
        var destination = services.GetRequiredService<IOptions<SyncSettings>>().Value.Find(destinationName);
        var identities = services.GetRequiredService<DestinationIdentities>();
        var snapshot = await services.GetRequiredService<DeliveryLedger>().LoadAsync(destinationName, CancellationToken.None);
        await using var db = await services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync();
        var changes = new ChangeSetBuilder(services.GetRequiredService<ResourcePlan>(), new DatabaseRecordSource(db, RecordScope.For(destination)), identities.TargetFor(destination), snapshot, remember);
        var resolver = new LedgerReferenceResolver(snapshot, identities.For(destination));
        var kinds = new Dictionary<ResourceKey, ChangeKind>();
        var unmapped = 0;
        foreach (var tier in ResourcePlan.Tiers)
        {
            await foreach (var item in changes.TierAsync(tier, resolver, CancellationToken.None))
            {
                kinds.Add(item.Mapped.Key, item.Kind);
                unmapped += item.Mapped.Resource is null ? 1 : 0;
            }
        }

        return (kinds, unmapped);
    }
}
