using System.Runtime.CompilerServices;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Planning;

/// <summary>
/// The one place that says which FHIR resources the clinic records become: per patient a Patient and a Condition, per
/// treatment a Procedure, per assessment an Observation, per questionnaire administration a panel Observation, per
/// source row of a derived measure a derived Observation; each with its key, in tiers. Syncs (change sets and NDJSON
/// files), reconcile, the dry run and the coverage report all take their resources from here, so a new kind of resource
/// is added here and in the mapping only. Pure: the records come from an <see cref="IClinicRecordSource"/>.
/// </summary>
public sealed class ResourcePlan(FhirMapper mapper)
{
    public static IReadOnlyList<ResourceTier> Tiers { get; } = Enum.GetValues<ResourceTier>();

    /// <summary>The FHIR resource types the plan makes, in tier order.</summary>
    public static IReadOnlyList<string> ResourceTypes { get; } = ["Patient", "Condition", "Procedure", "Observation"];

    /// <summary>
    /// The types there is one of per measurement (a million in a registry backfill), as against one per patient or
    /// treatment: a sync reads their ledger entries in windows as it plans them, never all at once; and before each
    /// window of resources that refer to them (panels, derived measures) the plan tells the resolver which it will need.
    /// </summary>
    public static IReadOnlySet<string> BulkResourceTypes { get; } = new HashSet<string>(["Observation"], StringComparer.Ordinal);

    /// <summary>How many source records of a tier that refers to bulk resources are mapped per <see cref="IReferenceResolver.PrefetchAsync"/>.</summary>
    public const int ReferenceWindow = 1024;

    public FhirMapper Mapper => mapper;

    /// <summary>How many resources <see cref="AllAsync"/> yields for <paramref name="source"/>, from counts alone.</summary>
    public async Task<long> CountAsync(IClinicRecordSource source, CancellationToken ct)
    {
        var rules = mapper.Rules;
        var c = await source.CountAsync(rules.PanelOfMeasure.Keys.ToList(), rules.Derived.Values.Select(d => d.From).Distinct().ToList(), ct);
        return (2 * c.Patients) + c.Treatments + c.Assessments + c.Panels + (c.DerivedSources * Math.Max(1, rules.Derived.Count));
    }

    /// <summary>Every resource of every tier, in tier order, as <paramref name="target"/> receives them (pseudonymised for a registry that asks for it).</summary>
    /// <param name="resolver">Resolves the destination's keys (pseudonyms where the target pseudonymises).</param>
    public async IAsyncEnumerable<PlannedResource> AllAsync(
        IClinicRecordSource source, IReferenceResolver resolver, PlanTarget target, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var tier in Tiers)
        {
            await foreach (var resource in TierAsync(source, tier, resolver, target, ct))
            {
                yield return resource;
            }
        }
    }

    /// <summary>
    /// The resources of one tier as <paramref name="target"/> receives them: for a pseudonymising target, keys,
    /// identifiers and references are pseudonyms and what the registry may not have is gone, before anything hashes,
    /// validates or sends them.
    /// </summary>
    public async IAsyncEnumerable<PlannedResource> TierAsync(
        IClinicRecordSource source, ResourceTier tier, IReferenceResolver resolver, PlanTarget target, [EnumeratorCancellation] CancellationToken ct)
    {
        if (target.Pseudonymiser is not { } pseudonyms)
        {
            await foreach (var resource in MapTierAsync(source, tier, resolver, target.MrnSystem, ct))
            {
                yield return resource;
            }

            yield break;
        }

        await foreach (var resource in MapTierAsync(source, tier, pseudonyms.Resolver(resolver), mrnSystem: null, ct))
        {
            yield return resource with { Mapped = pseudonyms.Apply(resource.Mapped) };
        }
    }

    /// <param name="mrnSystem">The destination's identifier system for the hospital MRN; without one the MRN is not sent.</param>
    private IAsyncEnumerable<PlannedResource> MapTierAsync(IClinicRecordSource source, ResourceTier tier, IReferenceResolver resolver, string? mrnSystem, CancellationToken ct) => tier switch
    {
        ResourceTier.Patients => PatientsAsync(source, mrnSystem, ct),
        ResourceTier.ConditionsAndProcedures => ConditionsAndProceduresAsync(source, resolver, ct),
        ResourceTier.Observations => ObservationsAsync(source, resolver, ct),
        ResourceTier.Panels => PanelsAsync(source, resolver, ct),
        ResourceTier.Derived => DerivedAsync(source, resolver, ct),
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "unknown resource tier"),
    };

    private async IAsyncEnumerable<PlannedResource> PatientsAsync(IClinicRecordSource source, string? mrnSystem, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var p in source.PatientsAsync(ct))
        {
            yield return new(ResourceTier.Patients, ResourceKind.Patient, "Patient", mapper.MapPatient(p, mrnSystem));
        }
    }

    private async IAsyncEnumerable<PlannedResource> ConditionsAndProceduresAsync(IClinicRecordSource source, IReferenceResolver resolver, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var p in source.PatientsAsync(ct))
        {
            yield return new(ResourceTier.ConditionsAndProcedures, ResourceKind.Condition, p.Diagnosis.ToString(), mapper.MapCondition(p, resolver));
        }

        await foreach (var t in source.TreatmentsAsync(ct))
        {
            yield return new(ResourceTier.ConditionsAndProcedures, ResourceKind.Procedure, t.Code, mapper.MapProcedure(t, resolver));
        }
    }

    private async IAsyncEnumerable<PlannedResource> ObservationsAsync(IClinicRecordSource source, IReferenceResolver resolver, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var a in source.AssessmentsAsync(ct))
        {
            yield return new(ResourceTier.Observations, ResourceKind.Observation, a.Code, mapper.MapObservation(a, resolver));
        }
    }

    /// <summary>
    /// Rows of one panel_id arrive together, so only one administration is held at a time; should one panel_id hold
    /// items of two instruments, each instrument gets its own panel (its key has the panel code).
    /// </summary>
    private async IAsyncEnumerable<PlannedResource> PanelsAsync(IClinicRecordSource source, IReferenceResolver resolver, [EnumeratorCancellation] CancellationToken ct)
    {
        var panelOf = mapper.Rules.PanelOfMeasure;
        if (panelOf.Count == 0)
        {
            yield break;
        }

        // Whole administrations are gathered until a window's worth of members is held; the resolver hears which
        // members (Observations) they refer to, then they are mapped.
        var window = new List<List<AssessmentRecord>>();
        var held = 0;
        var members = new List<AssessmentRecord>();
        await foreach (var a in source.PanelMembersAsync(panelOf.Keys.ToList(), ct))
        {
            if (members.Count > 0 && members[0].PanelId != a.PanelId)
            {
                window.Add(members);
                held += members.Count;
                members = [];
                if (held >= ReferenceWindow)
                {
                    foreach (var panel in await PanelsAsync(window, resolver, ct))
                    {
                        yield return panel;
                    }

                    window.Clear();
                    held = 0;
                }
            }

            members.Add(a);
        }

        if (members.Count > 0)
        {
            window.Add(members);
        }

        foreach (var panel in await PanelsAsync(window, resolver, ct))
        {
            yield return panel;
        }
    }

    private async Task<List<PlannedResource>> PanelsAsync(List<List<AssessmentRecord>> administrations, IReferenceResolver resolver, CancellationToken ct)
    {
        await resolver.PrefetchAsync(administrations.SelectMany(m => m).Select(m => new ResourceKey("Observation", m.AssessmentId)).ToList(), ct);
        return administrations.SelectMany(m => Panels(m, resolver)).ToList();
    }

    private IEnumerable<PlannedResource> Panels(List<AssessmentRecord> members, IReferenceResolver resolver) =>
        members.GroupBy(m => mapper.Rules.PanelOfMeasure[m.Code])
            .OrderBy(g => g.Key.Code, StringComparer.Ordinal)
            .Select(g => new PlannedResource(ResourceTier.Panels, ResourceKind.Panel, g.Key.Code, mapper.MapPanel(g.Key, members[0].PanelId!, g.ToList(), resolver)));

    private async IAsyncEnumerable<PlannedResource> DerivedAsync(IClinicRecordSource source, IReferenceResolver resolver, [EnumeratorCancellation] CancellationToken ct)
    {
        if (mapper.Rules.Derived.Count == 0)
        {
            yield break;
        }

        var onsets = await source.OnsetsAsync(ct);
        foreach (var rule in mapper.Rules.Derived.Values.OrderBy(d => d.Code, StringComparer.Ordinal))
        {
            await foreach (var window in source.AssessmentsWithCodeAsync(rule.From, ct).Chunk(ReferenceWindow).WithCancellation(ct))
            {
                await resolver.PrefetchAsync(window.Select(a => new ResourceKey("Observation", a.AssessmentId)).ToList(), ct);
                foreach (var a in window)
                {
                    yield return new(ResourceTier.Derived, ResourceKind.Derived, rule.Code, mapper.MapDerived(rule, a, onsets.GetValueOrDefault(a.PatientId), resolver));
                }
            }
        }
    }
}
