using System.Text;
using MndFhir.Identity;
using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Pseudonymisation;
using MndFhir.Records;
using MndFhir.Serialization;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Intake;

namespace MndFhir.Sync.Tests.Registry;

/// <summary>
/// The example bundles of docs/data-contract.md, made from the samples by the code a sync runs (resource plan,
/// pseudonymiser, bundle builder, Provenance), so the document cannot drift from what is sent. A change fails here until
/// accepted: MNDFHIR_ACCEPT_GOLDEN=1 dotnet test --filter DataContractExampleTests, then review and commit docs/examples/.
/// </summary>
public sealed class DataContractExampleTests
{
    /// <summary>The throw-away key the README's command sets for the samples (never for real data).</summary>
    public const string SampleKey = "samples-only-not-a-secret-do-not-use-for-real-data";

    private static readonly bool Accept = Environment.GetEnvironmentVariable("MNDFHIR_ACCEPT_GOLDEN") == "1";
    private static readonly string Folder = Path.Combine(RepositoryPaths.Root, "docs", "examples");
    private static readonly ClinicIdentity Clinic = new("https://mndfhir.example.org/fhir/sid/demo-clinic");

    [Theory]
    [InlineData("hospital-fhir-server.json", false)]
    [InlineData("registry-pseudonymised.json", true)]
    public async Task The_documented_example_bundle_is_what_the_adapter_sends_for_the_first_sample_patient(string file, bool pseudonymised)
    {
        var rules = MappingSetLoader.Load(RepositoryPaths.Mappings);
        var source = await FirstPatientAsync(rules);
        var target = pseudonymised
            ? new PlanTarget(null, new Pseudonymiser(Encoding.UTF8.GetBytes(SampleKey), new ClinicIdentity(Clinic.IdentifierBase + "/pseudonym"), dateShiftDays: 30))
            : new PlanTarget("https://hospital.example.org/fhir/sid/mrn");
        var identity = target.Pseudonymiser?.Identity ?? Clinic;
        var plan = new ResourcePlan(new FhirMapper(rules, Clinic));
        var planned = await plan.AllAsync(source, new ConditionalReferenceResolver(identity), target, CancellationToken.None).ToListAsync();
        var fingerprint = await ExportFingerprint.OfAsync(Path.Combine(RepositoryPaths.Samples, "clinic-export"), CancellationToken.None);
        var provenance = new DeliveryProvenance(Clinic, rules.Extension(string.Empty).TrimEnd('/'), RunId: 2, ImportId: 1, fingerprint)
            .Create(planned.Select(p => new Hl7.Fhir.Model.ResourceReference(p.Key.ToUrnUuid()) { Type = p.Key.ResourceType, Identifier = new(identity.SystemFor(p.Key.ResourceType), p.Key.BusinessId) }), new DateTimeOffset(2026, 11, 27, 3, 0, 0, TimeSpan.Zero));
        var json = FhirBundleBuilder.ConditionalUpdates(
            BundleKind.Transaction, planned.Select(p => (p.Key, FhirJson.Serialize(p.Mapped.Resource))).ToList(), identity, indented: true, provenanceJson: FhirJson.Serialize(provenance))
            .ReplaceLineEndings("\n") + "\n";

        var path = Path.Combine(Folder, file);
        if (Accept)
        {
            Directory.CreateDirectory(Folder);
            await File.WriteAllTextAsync(path, json);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run with MNDFHIR_ACCEPT_GOLDEN=1 to write it");
        Assert.Equal(await File.ReadAllTextAsync(path), json);
    }

    /// <summary>The first sample patient, its first three treatments and its first ALSFRS-R administration with a note-carrying FVC.</summary>
    private static async Task<InMemoryRecordSource> FirstPatientAsync(MappingSet rules)
    {
        var parser = new ClinicExportParser();
        var context = new IntakeContext(rules, DateOnly.FromDateTime(DateTime.UtcNow), _ => ClinicDate.Parse("1900-01-01"), _ => true);
        var export = Path.Combine(RepositoryPaths.Samples, "clinic-export");
        PatientRecord? patient = null;
        using (var reader = new StreamReader(Path.Combine(export, "patients.csv")))
        {
            await foreach (var row in parser.ReadPatientsAsync(reader, context, CancellationToken.None))
            {
                patient ??= row.Record;
            }
        }

        var treatments = new List<TreatmentRecord>();
        using (var reader = new StreamReader(Path.Combine(export, "treatments.csv")))
        {
            await foreach (var row in parser.ReadTreatmentsAsync(reader, context, CancellationToken.None))
            {
                if (row.Record!.PatientId == patient!.PatientId && treatments.Count < 3)
                {
                    treatments.Add(row.Record);
                }
            }
        }

        var assessments = new List<AssessmentRecord>();
        using (var reader = new StreamReader(Path.Combine(export, "assessments.csv")))
        {
            await foreach (var row in parser.ReadAssessmentsAsync(reader, context, CancellationToken.None))
            {
                var a = row.Record!;
                if (a.PatientId == patient!.PatientId && (a.PanelId == assessments.FirstOrDefault()?.PanelId || assessments.Count == 0 || (a.Code == "FVC" && !assessments.Any(x => x.Code == "FVC"))))
                {
                    assessments.Add(a);
                }
            }
        }

        return new InMemoryRecordSource([patient!], treatments, assessments);
    }
}
