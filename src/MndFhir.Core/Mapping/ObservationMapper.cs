using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Records;

namespace MndFhir.Mapping;

/// <summary>Maps an assessment row to an Observation: code (variant by note or body site), category, value, body site.</summary>
internal sealed class ObservationMapper(MappingSet rules, ClinicIdentity identity, bool explain = false)
{
    private const string CategorySystem = "http://terminology.hl7.org/CodeSystem/observation-category";
    private const string UcumSystem = "http://unitsofmeasure.org";

    /// <summary>Extension linking a follow-up measurement to the treatment it follows (docs/decisions/0005).</summary>
    public const string FollowUpOfExtension = "observation-follow-up-of";

    public static ResourceKey KeyOf(AssessmentRecord record) => new("Observation", record.AssessmentId);

    /// <summary>What an assessment's Observation refers to: its patient, and the treatment it follows up, if any.</summary>
    public static (ResourceKey Subject, ResourceKey? FollowUpOf) ReferencesOf(AssessmentRecord record) =>
        (new ResourceKey("Patient", record.PatientId), record.TreatmentId is { Length: > 0 } treatment ? new ResourceKey("Procedure", treatment) : null);

    /// <summary>
    /// The hash of what the Observation of <paramref name="record"/> is made from (<see cref="MappingInputs"/>): the
    /// record, and its references as <paramref name="resolver"/> resolves them, the very ones <see cref="Map"/> resolves.
    /// </summary>
    public static UInt128 Inputs(AssessmentRecord record, IReferenceResolver resolver, MappingInputs inputs)
    {
        var (subject, followUpOf) = ReferencesOf(record);
        return inputs.Of(record, resolver.Resolve(subject), followUpOf is { } procedure ? resolver.Resolve(procedure) : null);
    }

    public MappedResource Map(AssessmentRecord record, IReferenceResolver resolver)
    {
        var key = KeyOf(record);
        var (subject, followUpOf) = ReferencesOf(record);
        var rule = rules.Measures.TryGetValue(record.Code, out var r)
            ? r
            : throw new MappingException(key, $"measure code '{record.Code}' has no mapping");
        var refs = new ReferenceCollector(resolver, explain ? new MappingTrace() : null);
        var trace = refs.Trace;
        var variant = rule.Variants.FirstOrDefault(v => v.When.All(c => Matches(record, c.Key, c.Value)));
        var observation = new Observation
        {
            Status = record.IsRemoved ? ObservationStatus.EnteredInError : record.Status switch
            {
                AssessmentStatus.Amended => ObservationStatus.Amended,
                AssessmentStatus.EnteredInError => ObservationStatus.EnteredInError,
                _ => ObservationStatus.Final,
            },
            Code = CodingFactory.Concept(variant?.Coding ?? rule.Coding, rules.ClinicSystem(ClinicCodeSystems.Measure), rule.Code, rule.Display),
            Subject = refs.To(subject),
            Effective = new FhirDateTime(record.Effective.Value),
        };
        observation.Identifier.Add(identity.IdentifierFor(key));
        observation.Meta = new Meta { Profile = [rules.Profile(ProjectProfiles.OutcomeObservation)] };
        observation.Category.Add(new CodeableConcept(CategorySystem, rule.Category));
        trace?.Add("identifier", $"assessment_id={record.AssessmentId}", TraceRules.Identity);
        trace?.Add("meta.profile", string.Empty, TraceRules.Profile(ProjectProfiles.OutcomeObservation));
        trace?.Add("status", $"status={record.Status}{(record.IsRemoved ? " (row removed from the export)" : string.Empty)}", TraceRules.BuiltIn("status map: amended, entered-in-error, else final; removed rows entered-in-error"));
        trace?.Add("code", $"code={record.Code}{(variant is null ? string.Empty : " (" + string.Join(", ", variant.When.Select(w => $"{w.Key}={w.Value}")) + ")")}", rule.Source + (variant is null ? string.Empty : " (variant)"));
        trace?.Add("category", $"code={record.Code}", rule.Source);
        trace?.Add("subject", $"patient_id={record.PatientId}", TraceRules.Reference);
        trace?.Add("effectiveDateTime", $"effective={record.Effective}", TraceRules.BuiltIn("the clinic's date as written (partial dates kept partial)"));

        if (record.Value is { Length: > 0 } value)
        {
            observation.Value = Value(key, rule, value, record.Unit);
            trace?.Add("value" + observation.Value.TypeName[..1].ToUpperInvariant() + observation.Value.TypeName[1..], $"value={value}, unit={record.Unit}", $"{rule.Source} (value: {rule.Value.Kind.ToString().ToLowerInvariant()}{(rule.Value.Unit is null ? string.Empty : " in " + rule.Value.Unit)})");
        }
        else
        {
            observation.DataAbsentReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "error", "Error");
            trace?.Add("dataAbsentReason", "value empty", TraceRules.BuiltIn("an assessment without a value (a voided row) says why"));
        }

        if (record.BodySite is { } site && rules.BodySites.TryGetValue(site, out var siteRule))
        {
            observation.BodySite = CodingFactory.Concept(siteRule, rules.ClinicSystem(ClinicCodeSystems.BodySite));
            trace?.Add("bodySite", $"body_site={site}", siteRule.Source);
        }

        if (followUpOf is { } procedure)
        {
            observation.Extension.Add(new Extension(rules.Extension(FollowUpOfExtension), refs.To(procedure)));
            trace?.Add($"extension[{FollowUpOfExtension}]", $"treatment_id={record.TreatmentId}", TraceRules.Profile(FollowUpOfExtension));
        }

        // A note that only selects the form (ALSFRS-R item 5b) is consumed by the variant, not repeated as free text.
        if (record.Note is { Length: > 0 } note && variant?.When.ContainsKey("note") != true)
        {
            observation.Note.Add(new Annotation { Text = new Markdown(note) });
            trace?.Add("note", "note", TraceRules.BuiltIn("free text, unless it selects a code variant"));
        }

        return refs.Result(key, record.AssessmentId, observation, retracted: observation.Status == ObservationStatus.EnteredInError);
    }

    private static bool Matches(AssessmentRecord record, string field, string expected) => field switch
    {
        "note" => string.Equals(record.Note?.Trim(), expected, StringComparison.OrdinalIgnoreCase),
        "body_site" => string.Equals(record.BodySite, expected, StringComparison.Ordinal),
        _ => false,
    };

    private static DataType Value(ResourceKey key, MeasureMapping rule, string value, string? unit)
    {
        switch (rule.Value.Kind)
        {
            case ValueKind.Boolean:
                return value.Trim().ToLowerInvariant() switch
                {
                    "yes" => new FhirBoolean(true),
                    "no" => new FhirBoolean(false),
                    _ => throw new MappingException(key, $"'{value}' is not yes or no"),
                };
            case ValueKind.Ordinal:
                var answer = rule.Value.Answers.FirstOrDefault(a => a.Value == value.Trim())
                    ?? throw new MappingException(key, $"'{value}' is not an allowed answer of {rule.Code}");
                return new CodeableConcept { Coding = [CodingFactory.Coding(answer.Coding)], Text = answer.Value };
            default:
                if (!MeasureValueConverter.TryConvert(rule.Value, value.Trim(), unit?.Trim(), out var canonical, out var error))
                {
                    throw new MappingException(key, error!);
                }

                return new Quantity
                {
                    Value = canonical,
                    Unit = rule.Value.Unit,
                    System = UcumSystem,
                    Code = rule.Value.Unit,
                };
        }
    }
}
