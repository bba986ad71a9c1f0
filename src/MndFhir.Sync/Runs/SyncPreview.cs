using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Planning;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Ledger;
using MndFhir.Sync.Pseudonymisation;
using MndFhir.Sync.Records;

namespace MndFhir.Sync.Runs;

/// <summary>
/// What the next sync of a destination would do, judged exactly as the sync judges it (the same plan, ledger and
/// change set), without a lease and without sending: `sync --dry-run` lists it, status counts it.
/// </summary>
public sealed class SyncPreview(IDbContextFactory<MndFhirDbContext> contexts, ResourcePlan plan, DeliveryLedger ledger, DestinationIdentities identities, Withdrawals withdrawals)
{
    public async IAsyncEnumerable<ChangeSetItem> ChangesAsync(DestinationOptions destination, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var snapshot = await ledger.LoadAsync(destination.Name, ct);
        var resolver = new LedgerReferenceResolver(snapshot, identities.For(destination));
        var changes = new ChangeSetBuilder(plan, new DatabaseRecordSource(db, RecordScope.For(destination)), identities.TargetFor(destination), snapshot, remember: true);
        foreach (var tier in ResourcePlan.Tiers)
        {
            await foreach (var item in changes.TierAsync(tier, resolver, ct))
            {
                yield return item;
            }
        }
    }

    /// <summary>What the next sync would delete at the destination, or report as held there, before it sends anything.</summary>
    public async IAsyncEnumerable<(Identity.ResourceKey Key, string What)> WithdrawalsAsync(DestinationOptions destination, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var snapshot = await ledger.LoadAsync(destination.Name, ct);
        foreach (var (_, key, _) in await withdrawals.RetiredPseudonymsAsync(db, destination, snapshot, ct))
        {
            yield return (key, "delete (retired pseudonym key)");
        }

        var report = destination.OnConsentWithdrawn == ConsentWithdrawnPolicy.Report;
        foreach (var (_, key, _) in await withdrawals.ConsentWithdrawnAsync(db, destination, snapshot, ct))
        {
            yield return (key, report ? "report (consent withdrawn; kept by OnConsentWithdrawn: Report)" : "delete (consent withdrawn)");
        }
    }

    /// <summary>What the sync would do with <paramref name="item"/>, in words: create, update or wait, and why.</summary>
    public static string Describe(ChangeSetItem item) => item.Kind switch
    {
        ChangeKind.New when item.Mapped.Retracted => "create (withdrawn record)",
        ChangeKind.New => "create (new)",
        ChangeKind.Changed when item.Mapped.Retracted => "update (withdrawn: entered-in-error)",
        ChangeKind.Changed => "update (changed)",
        ChangeKind.Retry => item.OnDestination ? "update (retry after a failure)" : "create (retry after a failure)",
        ChangeKind.Blocked => $"wait (refers to {string.Join(", ", item.Mapped.Unresolved)}, not delivered yet)",
        _ => "nothing (unchanged)",
    };
}
