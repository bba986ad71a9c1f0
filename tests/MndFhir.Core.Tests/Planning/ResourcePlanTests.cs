using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Records;

namespace MndFhir.Core.Tests.Planning;

public sealed class ResourcePlanTests
{
    private static readonly MappingSet Rules = MappingSetLoader.Load(RepositoryPaths.Mappings);
    private static readonly ClinicIdentity Identity = new("https://clinic.test/sid");

    [Fact]
    public async Task The_plan_makes_every_resource_of_the_records_once_in_tier_order_with_panels_and_derived_measures()
    {
        var source = new InMemoryRecordSource(
            [Patient("P-1")],
            [new TreatmentRecord { TreatmentId = "T-1", PatientId = "P-1", Code = "NEUROREHAB", PerformedStart = ClinicDate.Parse("2024-01-01") }],
            [
                Assessment("I-2", "ALSFRSR_02", "3", "AP1"),
                Assessment("I-1", "ALSFRSR_01", "4", "AP1"),
                Assessment("TOT", "ALSFRSR_TOTAL", "40", "AP1"),
                Assessment("F-1", "FVC", "3.1", null, "L"),
            ]);

        var planned = await new ResourcePlan(new FhirMapper(Rules, Identity)).AllAsync(source, new ConditionalReferenceResolver(Identity), PlanTarget.Clinic, CancellationToken.None).ToListAsync();

        Assert.Equal(
            [
                "Patients Patient Patient/P-1",
                "ConditionsAndProcedures Condition Condition/P-1",
                "ConditionsAndProcedures Procedure Procedure/T-1",
                "Observations Observation Observation/F-1",
                "Observations Observation Observation/I-1",
                "Observations Observation Observation/I-2",
                "Observations Observation Observation/TOT",
                "Panels Panel Observation/panel:ALSFRSR:AP1",
                "Derived Derived Observation/derived:ALSFRSR_DFS:TOT",
            ],
            planned.Select(p => $"{p.Tier} {p.Kind} {p.Key}"));
        var panel = (Hl7.Fhir.Model.Observation)planned.Single(p => p.Kind == ResourceKind.Panel).Mapped.Resource;
        Assert.Equal(3, panel.HasMember.Count);
    }

    [Fact]
    public async Task Each_panel_id_becomes_one_panel_however_its_rows_are_ordered()
    {
        var source = new InMemoryRecordSource(
            [Patient("P-1")],
            [],
            [Assessment("Z-1", "ALSFRSR_01", "4", "AP2"), Assessment("A-9", "ALSFRSR_01", "4", "AP1"), Assessment("A-1", "ALSFRSR_02", "4", "AP2")]);

        var planned = await new ResourcePlan(new FhirMapper(Rules, Identity)).TierAsync(source, ResourceTier.Panels, new ConditionalReferenceResolver(Identity), PlanTarget.Clinic, CancellationToken.None).ToListAsync();

        Assert.Equal(["panel:ALSFRSR:AP1", "panel:ALSFRSR:AP2"], planned.Select(p => p.Key.BusinessId));
    }

    private static PatientRecord Patient(string id) => new()
    {
        PatientId = id, Sex = Sex.Female, BirthDate = ClinicDate.Parse("1960-01-01"), Diagnosis = Diagnosis.ALS, OnsetDate = ClinicDate.Parse("2022-01-01"),
    };

    private static AssessmentRecord Assessment(string id, string code, string value, string? panel, string? unit = null) => new()
    {
        AssessmentId = id, PatientId = "P-1", Code = code, Value = value, Unit = unit, Effective = ClinicDate.Parse("2024-02-01"), PanelId = panel,
    };
}
