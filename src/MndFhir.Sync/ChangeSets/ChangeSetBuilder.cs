using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Mapping;
using MndFhir.Records;
using MndFhir.Serialization;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Ledger;

namespace MndFhir.Sync.ChangeSets;

/// <summary>
/// Streams, tier by tier, every clinic record of one destination's scope mapped to FHIR and judged against that
/// destination's ledger. Records are read with no tracking and one at a time, so memory does not grow with the
/// number of records (the ledger snapshot holds a hash and an id per resource).
/// </summary>
public sealed class ChangeSetBuilder(MndFhirDbContext db, FhirMapper mapper, DestinationOptions destination, LedgerSnapshot ledger)
{
    public async IAsyncEnumerable<ChangeSetItem> TierAsync(DeliveryTier tier, IReferenceResolver resolver, [EnumeratorCancellation] CancellationToken ct)
    {
        var consenting = destination.RequiresRegistryConsent
            ? db.Patients.AsNoTracking().Where(p => p.RegistryConsent).Select(p => p.PatientId)
            : db.Patients.AsNoTracking().Select(p => p.PatientId);
        switch (tier)
        {
            case DeliveryTier.Patients:
                await foreach (var p in db.Patients.AsNoTracking().Where(p => consenting.Contains(p.PatientId)).OrderBy(p => p.PatientId).AsAsyncEnumerable().WithCancellation(ct))
                {
                    yield return Judge(mapper.MapPatient(p, destination.HospitalMrnSystem));
                }

                break;
            case DeliveryTier.ConditionsAndProcedures:
                await foreach (var p in db.Patients.AsNoTracking().Where(p => consenting.Contains(p.PatientId)).OrderBy(p => p.PatientId).AsAsyncEnumerable().WithCancellation(ct))
                {
                    yield return Judge(mapper.MapCondition(p, resolver));
                }

                await foreach (var t in db.Treatments.AsNoTracking().Where(t => consenting.Contains(t.PatientId)).OrderBy(t => t.TreatmentId).AsAsyncEnumerable().WithCancellation(ct))
                {
                    yield return Judge(mapper.MapProcedure(t, resolver));
                }

                break;
            case DeliveryTier.Observations:
                await foreach (var a in db.Assessments.AsNoTracking().Where(a => consenting.Contains(a.PatientId)).OrderBy(a => a.AssessmentId).AsAsyncEnumerable().WithCancellation(ct))
                {
                    yield return Judge(mapper.MapObservation(a, resolver));
                }

                break;
            case DeliveryTier.Panels:
                await foreach (var panel in PanelsAsync(consenting, resolver, ct))
                {
                    yield return panel;
                }

                break;
            case DeliveryTier.Derived:
                await foreach (var derived in DerivedAsync(consenting, resolver, ct))
                {
                    yield return derived;
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(tier), tier, "unknown delivery tier");
        }
    }

    /// <summary>Rows of one panel_id arrive together (ordered by panel), so only one panel is held at a time.</summary>
    private async IAsyncEnumerable<ChangeSetItem> PanelsAsync(IQueryable<string> consenting, IReferenceResolver resolver, [EnumeratorCancellation] CancellationToken ct)
    {
        var panelOf = mapper.Rules.PanelOfMeasure;
        var codes = panelOf.Keys.ToList();
        var members = new List<AssessmentRecord>();
        await foreach (var a in db.Assessments.AsNoTracking()
            .Where(a => a.PanelId != null && codes.Contains(a.Code) && consenting.Contains(a.PatientId))
            .OrderBy(a => a.PanelId).ThenBy(a => a.AssessmentId)
            .AsAsyncEnumerable().WithCancellation(ct))
        {
            if (members.Count > 0 && (members[0].PanelId != a.PanelId || panelOf[members[0].Code] != panelOf[a.Code]))
            {
                yield return Judge(mapper.MapPanel(panelOf[members[0].Code], members[0].PanelId!, members, resolver));
                members = [];
            }

            members.Add(a);
        }

        if (members.Count > 0)
        {
            yield return Judge(mapper.MapPanel(panelOf[members[0].Code], members[0].PanelId!, members, resolver));
        }
    }

    /// <summary>One derived Observation per source row; the onset dates of the patients in scope are held (one per patient).</summary>
    private async IAsyncEnumerable<ChangeSetItem> DerivedAsync(IQueryable<string> consenting, IReferenceResolver resolver, [EnumeratorCancellation] CancellationToken ct)
    {
        if (mapper.Rules.Derived.Count == 0)
        {
            yield break;
        }

        var onsets = await db.Patients.AsNoTracking().Where(p => consenting.Contains(p.PatientId))
            .Select(p => new { p.PatientId, p.OnsetDate }).ToDictionaryAsync(p => p.PatientId, p => p.OnsetDate, StringComparer.Ordinal, ct);
        foreach (var rule in mapper.Rules.Derived.Values.OrderBy(d => d.Code, StringComparer.Ordinal))
        {
            await foreach (var a in db.Assessments.AsNoTracking()
                .Where(a => a.Code == rule.From && consenting.Contains(a.PatientId))
                .OrderBy(a => a.AssessmentId)
                .AsAsyncEnumerable().WithCancellation(ct))
            {
                yield return Judge(mapper.MapDerived(rule, a, onsets.GetValueOrDefault(a.PatientId), resolver));
            }
        }
    }

    private ChangeSetItem Judge(MappedResource mapped)
    {
        var json = FhirJson.Serialize(mapped.Resource);
        var hash = FhirJson.Hash(json);
        var held = ledger[mapped.Key];
        // A withdrawal of a record this destination never received has nothing to withdraw there: nothing is sent.
        var kind = mapped.Retracted && held is null ? ChangeKind.Unchanged
            : mapped.IsBlocked ? ChangeKind.Blocked
            : held is null ? ChangeKind.New
            : !held.Delivered ? ChangeKind.Retry
            : held.ContentHash == hash ? ChangeKind.Unchanged
            : ChangeKind.Changed;
        return new ChangeSetItem(mapped, json, hash, kind) { OnDestination = held?.ServerId is not null };
    }
}
