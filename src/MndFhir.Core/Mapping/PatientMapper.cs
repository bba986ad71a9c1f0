using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Records;

namespace MndFhir.Mapping;

/// <summary>Maps a patient row to Patient: identifiers (clinic id, hospital MRN), name, sex, birth date, death.</summary>
internal sealed class PatientMapper(ClinicIdentity identity)
{
    public MappedResource Map(PatientRecord record, string? mrnSystem)
    {
        var key = new ResourceKey("Patient", record.PatientId);
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
        }

        patient.Identifier.Add(identity.IdentifierFor(key));
        if (record.HospitalMrn is { Length: > 0 } mrn && mrnSystem is { Length: > 0 })
        {
            patient.Identifier.Add(new Identifier(mrnSystem, mrn)
            {
                Use = Identifier.IdentifierUse.Usual,
                Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number"),
            });
        }

        if (record.FamilyName is not null || record.GivenName is not null)
        {
            var name = new HumanName { Use = HumanName.NameUse.Official, Family = record.FamilyName };
            if (record.GivenName is { Length: > 0 } given)
            {
                name.Given = given.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }

            patient.Name.Add(name);
        }

        if (record.DeceasedDate is { } deceased)
        {
            patient.Deceased = new FhirDateTime(deceased.Value);
        }

        return new MappedResource(key, record.PatientId, patient, []);
    }
}
