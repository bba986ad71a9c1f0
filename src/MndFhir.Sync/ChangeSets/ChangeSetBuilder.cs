using System.Runtime.CompilerServices;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Serialization;
using MndFhir.Sync.Ledger;

namespace MndFhir.Sync.ChangeSets;

/// <summary>
/// Streams, tier by tier, every resource the <see cref="ResourcePlan"/> makes of one destination's records, judged
/// against that destination's ledger: new, changed, to retry, unchanged or blocked.
/// </summary>
/// <param name="remember">
/// Judge by input hash too (decision 0018): an Observation whose content the ledger holds as made from the same inputs
/// is unchanged without being mapped; one judged unchanged by its content whose entry holds other inputs (or none)
/// is listed in <see cref="Relearned"/>, for the caller to record.
/// </param>
public sealed class ChangeSetBuilder(ResourcePlan plan, IClinicRecordSource records, PlanTarget target, LedgerSnapshot ledger, bool remember = false)
{
    private readonly Memo? _memo = remember ? new Memo(ledger, Memo.InputsFor(plan, target)) : null;
    private readonly List<(long Id, UInt128 Inputs)> _relearned = [];
    private bool _relearning = true;

    public async IAsyncEnumerable<ChangeSetItem> TierAsync(ResourceTier tier, IReferenceResolver resolver, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var planned in plan.TierAsync(records, tier, resolver, target, _memo, ct))
        {
            yield return planned.Unmapped ? new ChangeSetItem(planned.Mapped, string.Empty, string.Empty, ChangeKind.Unchanged) { OnDestination = true, Inputs = planned.Inputs } : Judge(planned);
        }
    }

    /// <summary>
    /// Unchanged resources (judged by content) whose ledger entries hold other inputs than theirs, or none (ledger
    /// id, inputs): recorded, they are judged without mapping next time. Taken by each call.
    /// </summary>
    public List<(long Id, UInt128 Inputs)> TakeRelearned()
    {
        var taken = _relearned.ToList();
        _relearned.Clear();
        return taken;
    }

    public int Relearned => _relearned.Count;

    /// <summary>Lists no more relearned inputs, and forgets those listed: the caller cannot record them (the next sync learns them).</summary>
    public void StopRelearning()
    {
        _relearning = false;
        _relearned.Clear();
    }

    private ChangeSetItem Judge(PlannedResource planned)
    {
        var mapped = planned.Mapped;
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
        if (_relearning && kind == ChangeKind.Unchanged && planned.Inputs != UInt128.Zero && held is { } h && h.Inputs != planned.Inputs && !h.Legacy)
        {
            _relearned.Add((h.Id, planned.Inputs));
        }

        return new ChangeSetItem(mapped, json, hash, kind) { OnDestination = held?.ServerId is not null, Inputs = planned.Inputs };
    }

    /// <summary>The ledger, asked by input hash.</summary>
    private sealed class Memo(LedgerSnapshot ledger, MappingInputs inputs) : IMappingMemo
    {
        public MappingInputs Inputs => inputs;

        public bool Holds(ResourceKey key, UInt128 value) => ledger[key] is { } held && held.HoldsMappingOf(value);

        /// <summary>
        /// The epoch of a destination's plan: the mappings, the clinic's identifier systems, the MRN system, and for a
        /// pseudonymising target its identifier base, date shift and a check value of its key (never the key).
        /// </summary>
        public static MappingInputs InputsFor(ResourcePlan plan, PlanTarget target) => new(string.Join(
            '|',
            plan.Mapper.Rules.Fingerprint,
            plan.Mapper.Identity.IdentifierBase,
            target.MrnSystem,
            target.Pseudonymiser?.Fingerprint ?? string.Empty));
    }
}
