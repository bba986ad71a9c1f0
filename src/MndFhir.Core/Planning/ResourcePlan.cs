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
    /// treatment: the plan makes them in windows of <see cref="Window"/> records and tells the resolver, one window
    /// ahead, every key of the types a window will make or refer to (<see cref="IReferenceResolver.PrepareAsync"/>),
    /// so a sync reads their ledger entries a window at a time, while the window before is mapped, never all at once.
    /// </summary>
    public static IReadOnlySet<string> BulkResourceTypes { get; } = new HashSet<string>(["Observation"], StringComparer.Ordinal);

    /// <summary>How many source records of a tier of bulk resources make one window (one <see cref="IReferenceResolver.PrepareAsync"/>).</summary>
    public const int Window = 1024;

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
    public IAsyncEnumerable<PlannedResource> TierAsync(IClinicRecordSource source, ResourceTier tier, IReferenceResolver resolver, PlanTarget target, CancellationToken ct) =>
        TierAsync(source, tier, resolver, target, memo: null, ct);

    /// <summary>
    /// The resources of one tier as <paramref name="target"/> receives them; with a <paramref name="memo"/>, the
    /// Observations whose content the destination holds as made from the same inputs are yielded
    /// <see cref="PlannedResource.Unmapped"/> (decision 0018), and every other Observation carries its
    /// <see cref="PlannedResource.Inputs"/>.
    /// </summary>
    public async IAsyncEnumerable<PlannedResource> TierAsync(
        IClinicRecordSource source, ResourceTier tier, IReferenceResolver resolver, PlanTarget target, IMappingMemo? memo, [EnumeratorCancellation] CancellationToken ct)
    {
        if (target.Pseudonymiser is not { } pseudonyms)
        {
            await foreach (var resource in MapTierAsync(source, tier, resolver, target.MrnSystem, memo, static key => key, ct))
            {
                yield return resource;
            }

            yield break;
        }

        await foreach (var resource in MapTierAsync(source, tier, pseudonyms.Resolver(resolver), mrnSystem: null, memo, pseudonyms.Key, ct))
        {
            yield return resource.Unmapped ? resource : resource with { Mapped = pseudonyms.Apply(resource.Mapped) };
        }
    }

    /// <param name="mrnSystem">The destination's identifier system for the hospital MRN; without one the MRN is not sent.</param>
    /// <param name="destinationKey">The destination's key of a clinic key (a pseudonym for a pseudonymising target).</param>
    private IAsyncEnumerable<PlannedResource> MapTierAsync(
        IClinicRecordSource source, ResourceTier tier, IReferenceResolver resolver, string? mrnSystem, IMappingMemo? memo, Func<ResourceKey, ResourceKey> destinationKey, CancellationToken ct) => tier switch
    {
        ResourceTier.Patients => PatientsAsync(source, mrnSystem, ct),
        ResourceTier.ConditionsAndProcedures => ConditionsAndProceduresAsync(source, resolver, ct),
        ResourceTier.Observations => ObservationsAsync(source, resolver, memo, destinationKey, ct),
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

    private IAsyncEnumerable<PlannedResource> ObservationsAsync(
        IClinicRecordSource source, IReferenceResolver resolver, IMappingMemo? memo, Func<ResourceKey, ResourceKey> destinationKey, CancellationToken ct) =>
        WindowsAsync(
            source.AssessmentsAsync(ct).Chunk(Window),
            window => new UpcomingKeys([.. window.Select(FhirMapper.ObservationKey)], ReferredTo: []),
            window => window.Select(a => Observation(a, resolver, memo, destinationKey)),
            resolver,
            ct);

    private PlannedResource Observation(AssessmentRecord a, IReferenceResolver resolver, IMappingMemo? memo, Func<ResourceKey, ResourceKey> destinationKey)
    {
        if (memo is null)
        {
            return new PlannedResource(ResourceTier.Observations, ResourceKind.Observation, a.Code, mapper.MapObservation(a, resolver));
        }

        var inputs = FhirMapper.ObservationInputs(a, resolver, memo.Inputs);
        var key = destinationKey(FhirMapper.ObservationKey(a));
        return memo.Holds(key, inputs)
            ? PlannedResource.Remembered(ResourceTier.Observations, ResourceKind.Observation, a.Code, key, a.AssessmentId, inputs)
            : new PlannedResource(ResourceTier.Observations, ResourceKind.Observation, a.Code, mapper.MapObservation(a, resolver)) { Inputs = inputs };
    }

    /// <summary>
    /// Rows of one panel_id arrive together, so administrations are held whole (a window of them at a time); should one
    /// panel_id hold items of two instruments, each instrument gets its own panel (its key has the panel code).
    /// </summary>
    private IAsyncEnumerable<PlannedResource> PanelsAsync(IClinicRecordSource source, IReferenceResolver resolver, CancellationToken ct)
    {
        var panelOf = mapper.Rules.PanelOfMeasure;
        return panelOf.Count == 0
            ? AsyncEnumerable.Empty<PlannedResource>()
            : WindowsAsync(
                AdministrationsAsync(source.PanelMembersAsync(panelOf.Keys.ToList(), ct), ct),
                window => new UpcomingKeys(
                    [.. window.SelectMany(members => members.Select(m => panelOf[m.Code]).Distinct().Select(panel => PanelMapper.Key(panel, members[0].PanelId!)))],
                    [.. window.SelectMany(members => members).Select(m => new ResourceKey("Observation", m.AssessmentId))]),
                window => window.SelectMany(members => Panels(members, resolver)),
                resolver,
                ct);
    }

    /// <summary>Whole administrations (the rows of one panel_id), a window's worth of rows at a time.</summary>
    private static async IAsyncEnumerable<List<AssessmentRecord>[]> AdministrationsAsync(IAsyncEnumerable<AssessmentRecord> members, [EnumeratorCancellation] CancellationToken ct)
    {
        var window = new List<List<AssessmentRecord>>();
        var rows = 0;
        var administration = new List<AssessmentRecord>();
        await foreach (var a in members.WithCancellation(ct))
        {
            if (administration.Count > 0 && administration[0].PanelId != a.PanelId)
            {
                window.Add(administration);
                rows += administration.Count;
                administration = [];
                if (rows >= Window)
                {
                    yield return [.. window];
                    window.Clear();
                    rows = 0;
                }
            }

            administration.Add(a);
        }

        if (administration.Count > 0)
        {
            window.Add(administration);
        }

        if (window.Count > 0)
        {
            yield return [.. window];
        }
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
            var derived = WindowsAsync(
                source.AssessmentsWithCodeAsync(rule.From, ct).Chunk(Window),
                window => new UpcomingKeys(
                    [.. window.Select(a => DerivedMapper.Key(rule, a.AssessmentId))],
                    [.. window.Select(a => new ResourceKey("Observation", a.AssessmentId))]),
                window => window.Select(a => new PlannedResource(ResourceTier.Derived, ResourceKind.Derived, rule.Code, mapper.MapDerived(rule, a, onsets.GetValueOrDefault(a.PatientId), resolver))),
                resolver,
                ct);
            await foreach (var resource in derived)
            {
                yield return resource;
            }
        }
    }

    /// <summary>
    /// Maps a tier window by window, telling the resolver of each window's keys one window ahead: the resolver prepares
    /// window N+1 (reads its ledger entries) while window N is mapped and judged, one preparation at a time. Two windows
    /// of records are held.
    /// </summary>
    private static async IAsyncEnumerable<PlannedResource> WindowsAsync<T>(
        IAsyncEnumerable<T[]> windows, Func<T[], UpcomingKeys> keysOf, Func<T[], IEnumerable<PlannedResource>> map, IReferenceResolver resolver,
        [EnumeratorCancellation] CancellationToken ct)
    {
        (T[] Records, Task Prepared)? ahead = null;
        try
        {
            await foreach (var window in windows.WithCancellation(ct))
            {
                // One preparation at a time: window N's is awaited before window N+1's starts, which runs while N is mapped.
                if (ahead is not var (records, ready))
                {
                    ahead = (window, resolver.PrepareAsync(keysOf(window), ct));
                    continue;
                }

                await ready;
                ahead = (window, resolver.PrepareAsync(keysOf(window), ct));
                foreach (var resource in map(records))
                {
                    yield return resource;
                }
            }

            if (ahead is var (last, lastReady))
            {
                ahead = null;
                await lastReady;
                foreach (var resource in map(last))
                {
                    yield return resource;
                }
            }
        }
        finally
        {
            // Stopped early: the preparation under way is let finish, and what it throws observed.
            if (ahead is var (_, pending))
            {
                _ = pending.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }
}
