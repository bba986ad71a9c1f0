using System.Globalization;
using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Records;

namespace MndFhir.Mapping;

/// <summary>
/// Maps a source row (an ALSFRS-R total) to the Observation of a measure derived from it: the progression rate
/// ΔFS = (48 − total) / months from symptom onset (docs/decisions/0007). Always one Observation per source row, so
/// that the derived resource follows its source through corrections and removals; where the rate cannot be computed
/// (no onset date, onset known to the year only, assessed within a month of onset) the value is absent with a reason.
/// </summary>
internal sealed class DerivedMapper(MappingSet rules, ClinicIdentity identity, bool explain = false)
{
    /// <summary>UCUM's month (mo) is the mean Julian month.</summary>
    private const double DaysPerMonth = 30.4375;

    public MappedResource Map(DerivedMeasureMapping rule, AssessmentRecord source, ClinicDate? onset, IReferenceResolver resolver)
    {
        var key = Key(rule, source.AssessmentId);
        var refs = new ReferenceCollector(resolver, explain ? new MappingTrace() : null);
        var trace = refs.Trace;
        var observation = new Observation
        {
            Status = source.IsRemoved || source.Status == AssessmentStatus.EnteredInError ? ObservationStatus.EnteredInError
                : source.Status == AssessmentStatus.Amended ? ObservationStatus.Amended
                : ObservationStatus.Final,
            Code = CodingFactory.Concept(rule.Coding, rules.ClinicSystem(ClinicCodeSystems.Measure), rule.Code, rule.Display),
            Subject = refs.To(new ResourceKey("Patient", source.PatientId)),
            Effective = new FhirDateTime(source.Effective.Value),
            Method = new CodeableConcept
            {
                Text = $"({rule.Max.ToString(CultureInfo.InvariantCulture)} - {rule.From}) / months from symptom onset to the assessment " +
                       "(months of 30.4375 days; an onset date known to the month is taken as the 15th)",
            },
        };
        observation.Identifier.Add(identity.IdentifierFor(key));
        observation.Meta = new Meta { Profile = [rules.Profile(ProjectProfiles.OutcomeObservation)] };
        observation.Category.Add(new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", rule.Category));
        observation.DerivedFrom.Add(refs.To(new ResourceKey("Observation", source.AssessmentId)));

        trace?.Add("identifier", $"assessment_id={source.AssessmentId}", TraceRules.Identity + "; business id derived:{code}:{assessment_id}");
        trace?.Add("code, category, method", $"code={source.Code}", rule.Source);
        trace?.Add("derivedFrom", $"assessment_id={source.AssessmentId}", TraceRules.Reference);
        if (TryRate(rule, source, onset, out var rate, out var absent, out var reason))
        {
            observation.Value = new Quantity { Value = rate, Unit = rule.Unit, System = "http://unitsofmeasure.org", Code = rule.Unit };
            trace?.Add("valueQuantity", $"value={source.Value}, effective={source.Effective}, onset_date={onset}", $"{rule.Source} (formula {rule.Formula})");
        }
        else
        {
            observation.DataAbsentReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", absent, absent == "unknown" ? "Unknown" : "Not Applicable");
            observation.Note.Add(new Annotation { Text = new Markdown(reason) });
            trace?.Add("dataAbsentReason, note", $"value={source.Value}, effective={source.Effective}, onset_date={onset}", $"{rule.Source} (formula {rule.Formula}: not computable)");
        }

        return refs.Result(key, source.AssessmentId, observation, retracted: observation.Status == ObservationStatus.EnteredInError);
    }

    /// <summary>
    /// Derived business ids: <c>derived:{code}:{source assessment_id}</c>. A colon is outside the clinic's id alphabet, so
    /// the identifier can never equal one made from a clinic id.
    /// </summary>
    public static ResourceKey Key(DerivedMeasureMapping rule, string sourceId) => new("Observation", $"derived:{rule.Code}:{sourceId}");

    private static bool TryRate(DerivedMeasureMapping rule, AssessmentRecord source, ClinicDate? onset, out decimal rate, out string absent, out string reason)
    {
        rate = 0;
        absent = "unknown";
        if (!decimal.TryParse(source.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var score))
        {
            reason = $"The {rule.From} row has no value.";
            return false;
        }

        if (onset is not { } date)
        {
            reason = "The symptom onset date is not recorded.";
            return false;
        }

        if (date.Precision == DatePrecision.Year)
        {
            reason = "The symptom onset date is known to the year only.";
            return false;
        }

        var start = date.Precision == DatePrecision.Month ? date.Start.AddDays(14) : date.Start;
        var months = (source.Effective.Start - start).TotalDays / DaysPerMonth;
        if (months < 1)
        {
            absent = "not-applicable";
            reason = "Assessed less than a month after symptom onset: the rate is not meaningful.";
            return false;
        }

        rate = Math.Round((rule.Max - score) / (decimal)months, 2, MidpointRounding.AwayFromZero);
        reason = string.Empty;
        return true;
    }
}
