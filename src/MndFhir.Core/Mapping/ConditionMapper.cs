using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Records;

namespace MndFhir.Mapping;

/// <summary>Maps the diagnosis columns of a patient row to the patient's MND Condition.</summary>
internal sealed class ConditionMapper(MappingSet rules, ClinicIdentity identity, bool explain = false)
{
    public const string OnsetRegionExtension = "condition-onset-region";

    public MappedResource Map(PatientRecord record, IReferenceResolver resolver)
    {
        // One MND diagnosis per patient: the Condition's business id is the patient id.
        var key = new ResourceKey("Condition", record.PatientId);
        var refs = new ReferenceCollector(resolver, explain ? new MappingTrace() : null);
        var trace = refs.Trace;
        var diagnosis = rules.Diagnoses[record.Diagnosis.ToString()];
        trace?.Add("identifier", $"patient_id={record.PatientId}", TraceRules.Identity + "; one MND Condition per patient");
        trace?.Add("code", $"diagnosis={record.Diagnosis}", diagnosis.Source);
        trace?.Add("clinicalStatus, verificationStatus", record.IsRemoved ? "row removed from the export" : string.Empty, TraceRules.BuiltIn("active and confirmed; entered-in-error when the patient is withdrawn"));
        trace?.Add("subject", $"patient_id={record.PatientId}", TraceRules.Reference);
        var condition = new Condition
        {
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
            VerificationStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"),
            Code = CodingFactory.Concept(diagnosis, rules.ClinicSystem(ClinicCodeSystems.Diagnosis)),
            Subject = refs.To(new ResourceKey("Patient", record.PatientId)),
        };
        condition.Identifier.Add(identity.IdentifierFor(key));
        if (record.IsRemoved)
        {
            // con-5: an entered-in-error Condition carries no clinical status.
            condition.ClinicalStatus = null;
            condition.VerificationStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error", "Entered in Error");
        }

        condition.Category.Add(new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item"));
        if (record.OnsetDate is { } onset)
        {
            condition.Onset = new FhirDateTime(onset.Value);
            trace?.Add("onsetDateTime", $"onset_date={onset}", TraceRules.BuiltIn("the clinic's date as written"));
        }

        if (record.DiagnosisDate is { } diagnosed)
        {
            condition.RecordedDateElement = new FhirDateTime(diagnosed.Value);
            trace?.Add("recordedDate", $"diagnosis_date={diagnosed}", TraceRules.BuiltIn("the date of diagnosis"));
        }

        if (record.OnsetRegion is { } region
            && rules.OnsetRegions.TryGetValue(region.ToString().ToLowerInvariant(), out var regionRule))
        {
            condition.Extension.Add(new Extension(
                rules.Extension(OnsetRegionExtension),
                CodingFactory.Concept(regionRule, rules.ClinicSystem(ClinicCodeSystems.OnsetRegion))));
            trace?.Add($"extension[{OnsetRegionExtension}]", $"onset_region={region}", $"{regionRule.Source}, {TraceRules.Profile(OnsetRegionExtension)}");
        }

        return refs.Result(key, record.PatientId, condition, retracted: record.IsRemoved);
    }
}
