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

    [Fact]
    public async Task A_withdrawn_item_or_total_leaves_its_panels_members_and_a_panel_withdrawn_whole_keeps_them()
    {
        var source = new InMemoryRecordSource(
            [Patient("P-1")],
            [],
            [
                Assessment("I-1", "ALSFRSR_01", "4", "AP1"),
                Withdrawn(Assessment("I-2", "ALSFRSR_02", "3", "AP1")),
                Assessment("I-3", "ALSFRSR_03", "3", "AP1", removed: true),
                Withdrawn(Assessment("TOT", "ALSFRSR_TOTAL", "40", "AP1", effective: "2024-03-05")),
                Withdrawn(Assessment("J-1", "ALSFRSR_01", "4", "AP2")),
                Assessment("J-2", "ALSFRSR_02", "4", "AP2", removed: true),
            ]);

        var planned = await new ResourcePlan(new FhirMapper(Rules, Identity)).TierAsync(source, ResourceTier.Panels, new ConditionalReferenceResolver(Identity), PlanTarget.Clinic, CancellationToken.None).ToListAsync();

        // AP1: only I-1 is in force; the withdrawn total no longer dates the panel.
        var ap1 = (Hl7.Fhir.Model.Observation)planned[0].Mapped.Resource;
        Assert.Equal(["I-1"], ap1.HasMember.Select(m => m.Identifier?.Value));
        Assert.Equal((Hl7.Fhir.Model.ObservationStatus.Final, "2024-02-01"), (ap1.Status, Assert.IsType<Hl7.Fhir.Model.FhirDateTime>(ap1.Effective).Value));
        Assert.False(planned[0].Mapped.Retracted);

        // AP2: every row withdrawn, so is the panel: it keeps the members the destination received with it.
        var ap2 = (Hl7.Fhir.Model.Observation)planned[1].Mapped.Resource;
        Assert.Equal(["J-1", "J-2"], ap2.HasMember.Select(m => m.Identifier?.Value));
        Assert.Equal(Hl7.Fhir.Model.ObservationStatus.EnteredInError, ap2.Status);
        Assert.True(planned[1].Mapped.Retracted);
    }

    private static AssessmentRecord Withdrawn(AssessmentRecord record)
    {
        record.Status = AssessmentStatus.EnteredInError;
        return record;
    }

    private static PatientRecord Patient(string id) => new()
    {
        PatientId = id, Sex = Sex.Female, BirthDate = ClinicDate.Parse("1960-01-01"), Diagnosis = Diagnosis.ALS, OnsetDate = ClinicDate.Parse("2022-01-01"),
    };

    private static AssessmentRecord Assessment(string id, string code, string value, string? panel, string? unit = null, bool removed = false, string effective = "2024-02-01") => new()
    {
        AssessmentId = id, PatientId = "P-1", Code = code, Value = value, Unit = unit, Effective = ClinicDate.Parse(effective), PanelId = panel,
        RemovedFromExportAt = removed ? new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero) : null,
    };
}
