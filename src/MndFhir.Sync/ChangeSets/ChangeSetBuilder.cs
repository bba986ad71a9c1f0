using System.Runtime.CompilerServices;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Serialization;
using MndFhir.Sync.Ledger;

namespace MndFhir.Sync.ChangeSets;

/// <summary>
/// Streams, tier by tier, every resource the <see cref="ResourcePlan"/> makes of one destination's records, judged
/// against that destination's ledger: new, changed, to retry, unchanged or blocked.
/// </summary>
public sealed class ChangeSetBuilder(ResourcePlan plan, IClinicRecordSource records, PlanTarget target, LedgerSnapshot ledger)
{
    public async IAsyncEnumerable<ChangeSetItem> TierAsync(ResourceTier tier, IReferenceResolver resolver, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var planned in plan.TierAsync(records, tier, resolver, target, ct))
        {
            yield return Judge(planned.Mapped);
        }
    }

    private ChangeSetItem Judge(MappedResource mapped)
    {
        var json = FhirJson.Serialize(mapped.Resource);
        var hash = FhirJson.ContentHash(json);
        var held = ledger[mapped.Key];

        // A withdrawal of a record this destination never received has nothing to withdraw there: nothing is sent.
        var kind = mapped.Retracted && held is null ? ChangeKind.Unchanged
            : mapped.IsBlocked ? ChangeKind.Blocked
            : held is null ? ChangeKind.New
            : !held.Value.Delivered ? ChangeKind.Retry
            : held.Value.Holds(hash, json) ? ChangeKind.Unchanged
            : ChangeKind.Changed;
        return new ChangeSetItem(mapped, json, hash, kind) { OnDestination = held?.ServerId is not null };
    }
}
