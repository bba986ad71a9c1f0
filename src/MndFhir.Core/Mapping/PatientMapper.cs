using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Records;

namespace MndFhir.Mapping;

/// <summary>Maps a patient row to Patient: identifiers (clinic id, hospital MRN), name, sex, birth date, death.</summary>
internal sealed class PatientMapper(ClinicIdentity identity, bool explain = false)
{
    public MappedResource Map(PatientRecord record, string? mrnSystem)
    {
        var key = new ResourceKey("Patient", record.PatientId);
        var trace = explain ? new MappingTrace() : null;
        trace?.Add("identifier[clinic]", $"patient_id={record.PatientId}", TraceRules.Identity);
        trace?.Add("gender", $"sex={record.Sex}", TraceRules.BuiltIn("male, female, other, else unknown"));
        trace?.Add("birthDate", $"birth_date={record.BirthDate}", TraceRules.BuiltIn("the clinic's date as written"));
        var patient = new Patient
        {
            Gender = record.Sex switch
            {
                Sex.Male => AdministrativeGender.Male,
                Sex.Female => AdministrativeGender.Female,
                Sex.Other => AdministrativeGender.Other,
                _ => AdministrativeGender.Unknown,
            },
            BirthDate = record.BirthDate.Value,
        };
        if (record.IsRemoved)
        {
            // Patient has no entered-in-error status: a patient the clinic withdrew from its export is inactive.
            patient.Active = false;
            trace?.Add("active", "row removed from the export", TraceRules.BuiltIn("a withdrawn patient is inactive"));
        }

        patient.Identifier.Add(identity.IdentifierFor(key));
        if (record.HospitalMrn is { Length: > 0 } mrn && mrnSystem is { Length: > 0 })
        {
            patient.Identifier.Add(new Identifier(mrnSystem, mrn)
            {
                Use = Identifier.IdentifierUse.Usual,
                Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number"),
            });
            trace?.Add("identifier[mrn]", "hospital_mrn", "destination setting HospitalMrnSystem (type v2-0203 MR)");
        }

        if (record.FamilyName is not null || record.GivenName is not null)
        {
            var name = new HumanName { Use = HumanName.NameUse.Official, Family = record.FamilyName };
            if (record.GivenName is { Length: > 0 } given)
            {
                name.Given = given.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }

            patient.Name.Add(name);
            trace?.Add("name", "family_name, given_name", TraceRules.BuiltIn("official name; given names split on spaces"));
        }

        if (record.DeceasedDate is { } deceased)
        {
            patient.Deceased = new FhirDateTime(deceased.Value);
            trace?.Add("deceasedDateTime", $"deceased_date={deceased}", TraceRules.BuiltIn("survival: the date of death as written"));
        }

        return new MappedResource(key, record.PatientId, patient, []) { Explanation = trace?.Entries ?? [], Retracted = record.IsRemoved };
    }
}
