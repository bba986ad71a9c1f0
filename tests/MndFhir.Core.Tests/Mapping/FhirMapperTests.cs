using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Core.Tests.Mapping;

public sealed class FhirMapperTests
{
    private const string Base = "https://clinic.test/fhir/sid";
    private static readonly MappingSet Rules = MappingSetLoader.Load(RepositoryPaths.Mappings);
    private static readonly ClinicIdentity Identity = new(Base);
    private static readonly FhirMapper Mapper = new(Rules, Identity);
    private static readonly IReferenceResolver Resolver = new ConditionalReferenceResolver(Identity);

    [Fact]
    public void A_patient_carries_the_clinic_id_and_the_hospital_mrn_with_its_destination_system()
    {
        var mapped = Mapper.MapPatient(Patient(), "https://hospital.test/mrn");
        var patient = Assert.IsType<Patient>(mapped.Resource);

        Assert.Equal(new ResourceKey("Patient", "P-0001"), mapped.Key);
        Assert.Contains(patient.Identifier, i => i.System == Base + "/patient" && i.Value == "P-0001");
        var mrn = Assert.Single(patient.Identifier, i => i.System == "https://hospital.test/mrn");
        Assert.Equal("MRN123", mrn.Value);
        Assert.Equal("MR", mrn.Type!.Coding[0].Code);
        Assert.Equal("1961-04", patient.BirthDate);
        Assert.Equal(AdministrativeGender.Female, patient.Gender);
        Assert.Equal("2025-02-03", Assert.IsType<FhirDateTime>(patient.Deceased).Value);
    }

    [Fact]
    public void Without_an_mrn_system_the_destination_gets_no_mrn()
    {
        var patient = (Patient)Mapper.MapPatient(Patient(), mrnSystem: null).Resource;
        Assert.Single(patient.Identifier);
    }

    [Fact]
    public void The_condition_has_snomed_and_icd10cm_codes_onset_and_refers_to_its_patient()
    {
        var mapped = Mapper.MapCondition(Patient(), Resolver);
        var condition = Assert.IsType<Condition>(mapped.Resource);

        Assert.Contains(condition.Code!.Coding, c => c.System == "http://snomed.info/sct" && c.Code == "86044005");
        Assert.Contains(condition.Code!.Coding, c => c.System == "http://hl7.org/fhir/sid/icd-10-cm" && c.Code == "G12.21");
        Assert.Contains(condition.Code!.Coding, c => c.System == Rules.ClinicSystem(ClinicCodeSystems.Diagnosis) && c.Code == "ALS");
        Assert.Equal("2022-09", Assert.IsType<FhirDateTime>(condition.Onset).Value);
        Assert.Equal(new ResourceKey("Patient", "P-0001"), Assert.Single(mapped.References));
        Assert.StartsWith("Patient?identifier=", condition.Subject!.Reference, StringComparison.Ordinal);
    }

    [Fact]
    public void An_intrathecal_transplant_is_a_procedure_with_stem_cell_code_route_and_lumbar_site()
    {
        var mapped = Mapper.MapProcedure(Treatment(), Resolver);
        var procedure = Assert.IsType<Procedure>(mapped.Resource);

        Assert.Contains(procedure.Code!.Coding, c => c.System == "http://snomed.info/sct" && c.Code == "1269349006");
        Assert.Contains(procedure.Code.Coding, c => c.System == Rules.ClinicSystem(ClinicCodeSystems.Treatment) && c.Code == "SC_INTRATHECAL");
        var route = Assert.Single(procedure.Extension, e => e.Url == Rules.Extension("procedure-route"));
        Assert.Equal("72607000", ((CodeableConcept)route.Value!).Coding[0].Code);
        Assert.Equal("lumbar", Assert.Single(procedure.BodySite).Coding.Single(c => c.System == Rules.ClinicSystem(ClinicCodeSystems.BodySite)).Code);
        Assert.Equal(EventStatus.Completed, procedure.Status);
        Assert.Equal(Base + "/staff", procedure.Performer[0].Actor!.Identifier!.System);
        Assert.Contains(procedure.Identifier, i => i.System == Base + "/procedure" && i.Value == "T-00001");
    }

    [Fact]
    public void Fvc_in_millilitres_is_sent_in_litres_with_loinc_and_ucum()
    {
        var observation = (Observation)Mapper.MapObservation(Assessment("FVC", "2340", "ml"), Resolver).Resource;

        Assert.Contains(observation.Code!.Coding, c => c.System == "http://loinc.org" && c.Code == "19868-9");
        var quantity = Assert.IsType<Quantity>(observation.Value);
        Assert.Equal(2.34m, quantity.Value);
        Assert.Equal("L", quantity.Code);
        Assert.Equal("http://unitsofmeasure.org", quantity.System);
        Assert.Equal("exam", observation.Category[0].Coding[0].Code);
    }

    [Fact]
    public void Alsfrs_item_5_with_note_5b_uses_the_gastrostomy_loinc_code_and_does_not_repeat_the_note()
    {
        var a = Assessment("ALSFRSR_05", "2", null);
        a.Note = "5b";
        var observation = (Observation)Mapper.MapObservation(a, Resolver).Resource;

        Assert.Contains(observation.Code!.Coding, c => c.Code == "82945-7");
        Assert.DoesNotContain(observation.Code.Coding, c => c.Code == "82944-0");
        Assert.Empty(observation.Note);
        Assert.Equal("{score}", ((Quantity)observation.Value!).Code);
        Assert.Equal("survey", observation.Category[0].Coding[0].Code);
    }

    [Fact]
    public void A_voided_assessment_becomes_entered_in_error_with_a_data_absent_reason()
    {
        var a = Assessment("ALSFRSR_TOTAL", null, null);
        a.Status = AssessmentStatus.EnteredInError;
        var observation = (Observation)Mapper.MapObservation(a, Resolver).Resource;

        Assert.Equal(ObservationStatus.EnteredInError, observation.Status);
        Assert.Null(observation.Value);
        Assert.NotNull(observation.DataAbsentReason);
    }

    [Fact]
    public void A_reference_the_destination_cannot_resolve_blocks_the_resource()
    {
        var mapped = Mapper.MapObservation(Assessment("FVC", "3.1", "L"), new NothingResolves());
        Assert.True(mapped.IsBlocked);
        Assert.Equal(new ResourceKey("Patient", "P-0001"), Assert.Single(mapped.Unresolved));
    }

    [Fact]
    public void The_progression_rate_is_48_minus_the_total_over_months_since_onset_and_derives_from_the_total()
    {
        // Onset 2022-09 (month precision: the 15th) to 2023-06-01 is 259 days = 8.51 months; (48 - 36) / 8.51 = 1.41.
        var total = Assessment("ALSFRSR_TOTAL", "36", null);
        var mapped = Mapper.MapDerived(Rules.Derived["ALSFRSR_DFS"], total, ClinicDate.Parse("2022-09"), Resolver);
        var observation = Assert.IsType<Observation>(mapped.Resource);

        Assert.Equal(new ResourceKey("Observation", "derived:ALSFRSR_DFS:A-000001"), mapped.Key);
        var value = Assert.IsType<Quantity>(observation.Value);
        Assert.Equal(1.41m, value.Value);
        Assert.Equal("{score}/mo", value.Code);
        Assert.Equal("http://unitsofmeasure.org", value.System);
        Assert.Contains(observation.Code!.Coding, c => c.System == Rules.ClinicSystem(ClinicCodeSystems.Measure) && c.Code == "ALSFRSR_DFS");
        Assert.DoesNotContain(observation.Code.Coding, c => c.System == "http://loinc.org");
        Assert.Equal("Observation?identifier=" + Uri.EscapeDataString(Base + "/observation") + "|A-000001", Assert.Single(observation.DerivedFrom).Reference);
        Assert.Contains(new ResourceKey("Observation", "A-000001"), mapped.References);
        Assert.Equal("2023-06-01", Assert.IsType<FhirDateTime>(observation.Effective).Value);
    }

    [Theory]
    [InlineData(null, "unknown")]
    [InlineData("2021", "unknown")]
    [InlineData("2023-05-20", "not-applicable")]
    public void Without_a_usable_onset_the_progression_rate_is_absent_with_a_reason(string? onset, string reason)
    {
        var mapped = Mapper.MapDerived(Rules.Derived["ALSFRSR_DFS"], Assessment("ALSFRSR_TOTAL", "40", null), onset is null ? null : ClinicDate.Parse(onset), Resolver);
        var observation = (Observation)mapped.Resource;

        Assert.Null(observation.Value);
        Assert.Equal(reason, observation.DataAbsentReason!.Coding[0].Code);
        Assert.NotEmpty(observation.Note);
    }

    [Fact]
    public void The_progression_rate_of_a_voided_total_is_entered_in_error_too()
    {
        var total = Assessment("ALSFRSR_TOTAL", "30", null);
        total.Status = AssessmentStatus.EnteredInError;

        var observation = (Observation)Mapper.MapDerived(Rules.Derived["ALSFRSR_DFS"], total, ClinicDate.Parse("2020-01-10"), Resolver).Resource;

        Assert.Equal(ObservationStatus.EnteredInError, observation.Status);
    }

    [Fact]
    public void Bundle_entry_uuids_are_stable_for_a_key_and_differ_between_keys()
    {
        var a = new ResourceKey("Observation", "A-1").ToUrnUuid();
        Assert.Equal(a, new ResourceKey("Observation", "A-1").ToUrnUuid());
        Assert.NotEqual(a, new ResourceKey("Observation", "A-2").ToUrnUuid());
        Assert.NotEqual(a, new ResourceKey("Procedure", "A-1").ToUrnUuid());
        Assert.Matches("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", a);
    }

    private static PatientRecord Patient() => new()
    {
        PatientId = "P-0001",
        HospitalMrn = "MRN123",
        FamilyName = "Testperson",
        GivenName = "Ada",
        Sex = Sex.Female,
        BirthDate = ClinicDate.Parse("1961-04"),
        Diagnosis = Diagnosis.ALS,
        OnsetDate = ClinicDate.Parse("2022-09"),
        OnsetRegion = OnsetRegion.Bulbar,
        DiagnosisDate = ClinicDate.Parse("2023-01-15"),
        RegistryConsent = true,
        DeceasedDate = ClinicDate.Parse("2025-02-03"),
    };

    private static TreatmentRecord Treatment() => new()
    {
        TreatmentId = "T-00001",
        PatientId = "P-0001",
        Code = "SC_INTRATHECAL",
        PerformedStart = ClinicDate.Parse("2023-03-01"),
        CellType = "BM-MNC",
        CellSource = CellSource.Autologous,
        CellCount = 1.2e8,
        CycleNumber = 1,
        CycleTotal = 4,
        Performer = "S-102",
    };

    private static AssessmentRecord Assessment(string code, string? value, string? unit) => new()
    {
        AssessmentId = "A-000001",
        PatientId = "P-0001",
        Code = code,
        Value = value,
        Unit = unit,
        Effective = ClinicDate.Parse("2023-06-01"),
    };

    private sealed class NothingResolves : IReferenceResolver
    {
        public ResourceReference? Resolve(ResourceKey target) => null;
    }
}
