using MndFhir.Identity;
using MndFhir.Records;

namespace MndFhir.Mapping;

/// <summary>
/// Maps clinic records to FHIR R4 resources following the rules in <c>mappings/</c>. Pure: no I/O, no clock;
/// the same record, rules and references always give the same resource.
/// </summary>
public sealed class FhirMapper
{
    private readonly PatientMapper _patients;
    private readonly ConditionMapper _conditions;
    private readonly ProcedureMapper _procedures;
    private readonly ObservationMapper _observations;
    private readonly PanelMapper _panels;
    private readonly DerivedMapper _derived;

    /// <param name="explain">Record which rule produced each element (<see cref="MappedResource.Explanation"/>); for the dry run.</param>
    public FhirMapper(MappingSet rules, ClinicIdentity identity, bool explain = false)
    {
        Rules = rules;
        Identity = identity;
        _patients = new PatientMapper(identity, explain);
        _conditions = new ConditionMapper(rules, identity, explain);
        _procedures = new ProcedureMapper(rules, identity, explain);
        _observations = new ObservationMapper(rules, identity, explain);
        _panels = new PanelMapper(rules, identity, explain);
        _derived = new DerivedMapper(rules, identity, explain);
    }

    /// <summary>The identity of the panel Observation of one questionnaire administration.</summary>
    public static ResourceKey PanelKey(PanelMapping panel, string panelId) => PanelMapper.Key(panel, panelId);

    /// <summary>The identity of the derived Observation made from one source row.</summary>
    public static ResourceKey DerivedKey(DerivedMeasureMapping rule, string sourceId) => DerivedMapper.Key(rule, sourceId);

    public MappingSet Rules { get; }

    public ClinicIdentity Identity { get; }

    /// <summary>The Patient of a patient row. <paramref name="mrnSystem"/> is the destination's MRN system, if any.</summary>
    public MappedResource MapPatient(PatientRecord record, string? mrnSystem) => _patients.Map(record, mrnSystem);

    /// <summary>The MND Condition of a patient row.</summary>
    public MappedResource MapCondition(PatientRecord record, IReferenceResolver resolver) => _conditions.Map(record, resolver);

    public MappedResource MapProcedure(TreatmentRecord record, IReferenceResolver resolver) => _procedures.Map(record, resolver);

    public MappedResource MapObservation(AssessmentRecord record, IReferenceResolver resolver) => _observations.Map(record, resolver);

    /// <summary>The key of an assessment's Observation (the clinic's key: a pseudonymising target replaces it).</summary>
    public static ResourceKey ObservationKey(AssessmentRecord record) => ObservationMapper.KeyOf(record);

    /// <summary>The hash of everything <see cref="MapObservation"/> would make the Observation of <paramref name="record"/> from, given <paramref name="resolver"/>.</summary>
    public static UInt128 ObservationInputs(AssessmentRecord record, IReferenceResolver resolver, MappingInputs inputs) => ObservationMapper.Inputs(record, resolver, inputs);

    /// <summary>The panel Observation of one questionnaire administration: the rows of one panel_id.</summary>
    public MappedResource MapPanel(PanelMapping panel, string panelId, IReadOnlyList<AssessmentRecord> members, IReferenceResolver resolver) =>
        _panels.Map(panel, panelId, members, resolver);

    /// <summary>The derived Observation (ALSFRS-R progression rate) of one source row; <paramref name="onset"/> is the patient's symptom onset.</summary>
    public MappedResource MapDerived(DerivedMeasureMapping rule, AssessmentRecord source, ClinicDate? onset, IReferenceResolver resolver) =>
        _derived.Map(rule, source, onset, resolver);
}
