using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Records;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Ledger;
using MndFhir.Sync.Records;
using Task = System.Threading.Tasks.Task;

namespace MndFhir.Service.Pages;

/// <summary>
/// Reads what the patient pages show from the database, as a sync would send it: the records go through the resource
/// plan (the mapped Patient, Procedures and Observations), and each resource is judged against every destination's
/// ledger as the destination's next sync would judge it, so a point can say it is retracted or not yet delivered.
/// Nothing here logs.
/// </summary>
public sealed class TrajectoryReader(
    IDbContextFactory<MndFhirDbContext> contexts, ResourcePlan plan, DeliveryLedger ledger, IOptions<SyncSettings> settings, MndFhir.Sync.Pseudonymisation.DestinationIdentities identities)
{
    /// <summary>The patients, by id: id, name as the Patient resource has it, diagnosis, whether active.</summary>
    public async Task<IReadOnlyList<PatientTrajectory>> PatientsAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var source = new DatabaseRecordSource(db, RecordScope.Everything);
        var list = new List<PatientTrajectory>();
        await foreach (var p in source.PatientsAsync(ct))
        {
            list.Add(Describe(p, plan.Mapper.MapPatient(p, mrnSystem: null), [], [], []));
        }

        return list;
    }

    /// <summary>One patient's trajectories with a note per point from every destination's ledger; null when there is no such patient.</summary>
    public async Task<PatientTrajectory?> ReadAsync(string patientId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var record = await db.Patients.AsNoTracking().FirstOrDefaultAsync(p => p.PatientId == patientId, ct);
        if (record is null)
        {
            return null;
        }

        var source = new DatabaseRecordSource(db, new RecordScope { PatientIds = [patientId] });
        var planned = await plan.AllAsync(source, new ConditionalReferenceResolver(plan.Mapper.Identity), PlanTarget.Clinic, ct).ToListAsync(ct);

        // Per resource, what each destination still lacks of it (as its next sync would judge it).
        var notes = new Dictionary<ResourceKey, List<string>>();
        var scope = new List<string>();
        foreach (var destination in settings.Value.Destinations)
        {
            if (destination.RequiresRegistryConsent && !record.RegistryConsent)
            {
                scope.Add($"{destination.Name}: not sent (no registry consent)");
                continue;
            }

            var snapshot = await ledger.LoadAsync(destination.Name, ct);
            var target = identities.TargetFor(destination);
            var changes = new ChangeSetBuilder(plan, new DatabaseRecordSource(db, new RecordScope { PatientIds = [patientId], ConsentingOnly = destination.RequiresRegistryConsent }), target, snapshot);
            var resolver = new LedgerReferenceResolver(snapshot, identities.For(destination));

            // A pseudonymised destination's keys are pseudonyms: its notes are filed under the clinic's key they stand for.
            var clinicKeyOf = target.Pseudonymiser is { } pseudonyms
                ? planned.ToDictionary(r => pseudonyms.Key(r.Key), r => r.Key)
                : null;
            var waiting = 0;
            foreach (var tier in ResourcePlan.Tiers)
            {
                await foreach (var item in changes.TierAsync(tier, resolver, ct))
                {
                    if (Note(item, destination.Name) is { } note)
                    {
                        waiting++;
                        var key = clinicKeyOf?.GetValueOrDefault(item.Mapped.Key) ?? item.Mapped.Key;
                        (notes.TryGetValue(key, out var list) ? list : notes[key] = []).Add(note);
                    }
                }
            }

            scope.Add(waiting == 0 ? $"{destination.Name}: holds everything shown" : $"{destination.Name}: {waiting} resources not yet delivered as shown");
        }

        IReadOnlyList<string> NotesOf(PlannedResource r) =>
            [.. r.Mapped.Retracted ? ["retracted (entered-in-error)"] : Array.Empty<string>(), .. notes.GetValueOrDefault(r.Key) ?? []];

        var points = planned
            .Where(r => r.Kind is ResourceKind.Observation or ResourceKind.Derived && MeasureChart.PageCodes.Contains(r.Code))
            .Select(r => Point(r, NotesOf(r)))
            .OfType<TrajectoryPoint>()
            .OrderBy(p => p.At).ThenBy(p => p.RecordId, StringComparer.Ordinal)
            .ToList();
        var sessions = planned.Where(r => r.Kind == ResourceKind.Procedure)
            .Select(r => Session(r, NotesOf(r)))
            .OfType<TreatmentSession>()
            .OrderBy(s => s.At).ThenBy(s => s.RecordId, StringComparer.Ordinal)
            .ToList();
        var patient = planned.First(r => r.Kind == ResourceKind.Patient);
        return Describe(record, patient.Mapped, scope, points, sessions);
    }

    /// <summary>
    /// Every patient's ALSFRS-R totals and treatment sessions (no names, no ledger notes): the cohort view. Patients gone
    /// from the export are left out; withdrawn totals and sessions come marked retracted (and are not counted).
    /// </summary>
    public async Task<IReadOnlyList<PatientTrajectory>> CohortAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var source = new MeasureRecordSource(new DatabaseRecordSource(db, RecordScope.Everything), [MeasureChart.AlsfrsTotal]);
        var resolver = new ConditionalReferenceResolver(plan.Mapper.Identity);
        var points = new Dictionary<string, List<TrajectoryPoint>>(StringComparer.Ordinal);
        var sessions = new Dictionary<string, List<TreatmentSession>>(StringComparer.Ordinal);
        await foreach (var r in plan.TierAsync(source, ResourceTier.ConditionsAndProcedures, resolver, PlanTarget.Clinic, ct))
        {
            if (r.Kind == ResourceKind.Procedure && Session(r, []) is { } s)
            {
                (sessions.TryGetValue(source.PatientOf(r.Mapped.RecordId), out var l) ? l : sessions[source.PatientOf(r.Mapped.RecordId)] = []).Add(s);
            }
        }

        await foreach (var r in plan.TierAsync(source, ResourceTier.Observations, resolver, PlanTarget.Clinic, ct).Concat(plan.TierAsync(source, ResourceTier.Derived, resolver, PlanTarget.Clinic, ct)))
        {
            if (Point(r, []) is { } p)
            {
                (points.TryGetValue(source.PatientOf(r.Mapped.RecordId), out var l) ? l : points[source.PatientOf(r.Mapped.RecordId)] = []).Add(p);
            }
        }

        var list = new List<PatientTrajectory>();
        await foreach (var p in source.PatientsAsync(ct))
        {
            if (p.IsRemoved)
            {
                // Gone from the clinic's export (withdrawn; its Patient is inactive): not one of the cohort, whatever of
                // its rows is still held. Its own page still shows it, marked inactive.
                continue;
            }

            list.Add(new PatientTrajectory(
                p.PatientId, null, p.Diagnosis.ToString(), p.OnsetDate?.Value, !p.IsRemoved, [],
                [.. (points.GetValueOrDefault(p.PatientId) ?? []).OrderBy(x => x.At)],
                [.. (sessions.GetValueOrDefault(p.PatientId) ?? []).OrderBy(x => x.At)]));
        }

        return list;
    }

    private PatientTrajectory Describe(PatientRecord record, MappedResource patient, IReadOnlyList<string> scope, IReadOnlyList<TrajectoryPoint> points, IReadOnlyList<TreatmentSession> sessions)
    {
        var name = ((Patient)patient.Resource).Name.FirstOrDefault();
        var display = name is null ? null : string.Join(' ', name.Given.Append(name.Family).Where(s => !string.IsNullOrWhiteSpace(s)));
        var diagnosis = plan.Mapper.Rules.Diagnoses.TryGetValue(record.Diagnosis.ToString(), out var concept) ? $"{record.Diagnosis} ({concept.Display})" : record.Diagnosis.ToString();
        return new PatientTrajectory(record.PatientId, display, diagnosis, record.OnsetDate?.Value, ((Patient)patient.Resource).Active != false, scope, points, sessions);
    }

    private static string? Note(ChangeSetItem item, string destination) => item.Kind switch
    {
        ChangeKind.New when item.Mapped.Retracted => $"withdrawal not yet delivered to {destination}",
        ChangeKind.New => $"not yet delivered to {destination}",
        ChangeKind.Changed => $"{destination} holds an older version",
        ChangeKind.Retry => $"{destination} rejected it (dead letter)",
        ChangeKind.Blocked => $"not yet delivered to {destination} (waits for what it refers to)",
        _ => null,
    };

    private static TrajectoryPoint? Point(PlannedResource r, IReadOnlyList<string> notes)
    {
        if (r.Mapped.Resource is not Observation o || o.Effective is not FhirDateTime effective || !ClinicDate.TryParse(effective.Value, out var at))
        {
            return null;
        }

        (double Value, string? Unit)? value = o.Value switch
        {
            Quantity { Value: { } q } quantity => ((double)q, quantity.Unit),
            Integer { Value: { } i } => (i, null),
            FhirDecimal { Value: { } d } => ((double)d, null),
            _ => null,
        };
        if (value is not { } v)
        {
            return null;
        }

        var site = o.BodySite?.Coding.FirstOrDefault()?.Code;
        return new TrajectoryPoint(r.Code, MeasureChart.SeriesOf(r.Code, site), at.Start, at.Value, v.Value, v.Unit, r.Mapped.RecordId, r.Mapped.Retracted, notes);
    }

    private TreatmentSession? Session(PlannedResource r, IReadOnlyList<string> notes)
    {
        if (r.Mapped.Resource is not Procedure p)
        {
            return null;
        }

        var start = p.Performed switch
        {
            FhirDateTime d => d.Value,
            Period period => period.Start,
            _ => null,
        };
        if (!ClinicDate.TryParse(start, out var at))
        {
            return null;
        }

        var rule = plan.Mapper.Rules.Treatments.GetValueOrDefault(r.Code);
        return new TreatmentSession(r.Code, rule?.Display ?? r.Code, at.Start, at.Value, rule?.RequiresCellProduct == true, r.Mapped.RecordId, r.Mapped.Retracted, notes);
    }
}
