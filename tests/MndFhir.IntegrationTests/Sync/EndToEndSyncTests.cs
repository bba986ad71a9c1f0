using Hl7.Fhir.Model;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;
using Xunit.Abstractions;

namespace MndFhir.IntegrationTests.Sync;

/// <summary>
/// The main job against a real FHIR server (Medplum's engine on loopback): the sample export imported, synced, and the
/// server's contents compared record by record with the export.
/// </summary>
public sealed class EndToEndSyncTests(FhirTestServer server, ITestOutputHelper output) : IClassFixture<FhirTestServer>
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(15);

    [Fact]
    public async System.Threading.Tasks.Task The_sample_export_lands_once_syncs_again_as_nothing_and_a_changed_row_updates_only_its_resource()
    {
        using var cts = new CancellationTokenSource(Budget);
        var ct = cts.Token;
        var system = $"https://mndfhir.example.org/fhir/sid/it-{Guid.NewGuid():N}";
        await using var host = await SyncTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clinic:IdentifierSystem"] = system,
                ["Destinations:0:Name"] = "hospital",
                ["Destinations:0:Kind"] = "FhirRest",
                ["Destinations:0:BaseUrl"] = server.BaseUrl.ToString(),
                ["Destinations:0:HospitalMrnSystem"] = "https://hospital.test/mrn",
            },
            ct);
        var export = await SampleExport.ReadAsync(host.ExportFolder);

        var import = await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct);
        Assert.Equal(0, import.Rejected);

        var first = await host.Get<SyncRunner>().RunAsync("hospital", "test", ct);
        output.WriteLine($"first sync: {first.Created} created, {first.Updated} updated, {first.Failed} failed, {first.Blocked} blocked, {first.Elapsed.TotalSeconds:0.0} s");
        Assert.Null(first.Error);
        Assert.Equal(0, first.Failed);
        Assert.Equal(0, first.Blocked);
        var expectedResources = export.Patients.Count * 2 + export.Treatments.Count + export.ObservationIds.Count();
        Assert.Equal(expectedResources, first.Created);

        using var http = new HttpClient();
        var patients = await FhirServerContents.AllAsync<Patient>(http, server.BaseUrl, system + "/patient", ct);
        var conditions = await FhirServerContents.AllAsync<Condition>(http, server.BaseUrl, system + "/condition", ct);
        var procedures = await FhirServerContents.AllAsync<Procedure>(http, server.BaseUrl, system + "/procedure", ct);
        var observations = await FhirServerContents.AllAsync<Observation>(http, server.BaseUrl, system + "/observation", ct);
        output.WriteLine($"server holds {patients.Count} patients, {conditions.Count} conditions, {procedures.Count} procedures, {observations.Count} observations");

        // Each clinic record exactly once.
        AssertExactlyOnce(export.Patients.Keys, patients, system + "/patient");
        AssertExactlyOnce(export.Patients.Keys, conditions, system + "/condition");
        AssertExactlyOnce(export.Treatments.Keys, procedures, system + "/procedure");
        AssertExactlyOnce(export.ObservationIds, observations, system + "/observation");
        var panels = observations.Where(o => FhirServerContents.BusinessId(o, system + "/observation").StartsWith("panel:", StringComparison.Ordinal)).ToList();
        var observationIds = observations.Select(o => "Observation/" + o.Id).ToHashSet();
        foreach (var panel in panels)
        {
            Assert.Contains(panel.Code!.Coding, c => c.System == "http://loinc.org" && c.Code == "82954-9");
            Assert.Equal(13, panel.HasMember.Count);
            Assert.All(panel.HasMember, m => Assert.Contains(m.Reference!, observationIds));
        }

        // Each ALSFRS-R progression rate derives from its own total, on the server.
        var derived = observations.Where(o => FhirServerContents.BusinessId(o, system + "/observation").StartsWith("derived:", StringComparison.Ordinal)).ToList();
        var businessIdByServerId = observations.ToDictionary(o => "Observation/" + o.Id!, o => FhirServerContents.BusinessId(o, system + "/observation"));
        Assert.Equal(export.DerivedIds.Count, derived.Count);
        foreach (var d in derived)
        {
            Assert.Equal("derived:ALSFRSR_DFS:" + businessIdByServerId[Assert.Single(d.DerivedFrom).Reference!], FhirServerContents.BusinessId(d, system + "/observation"));
            Assert.True(d.Value is Quantity { Code: "{score}/mo" } || d.DataAbsentReason is not null);
        }

        Assert.True(derived.Count(d => d.Value is Quantity) > derived.Count / 2, "most progression rates have a value");
        observations = observations.Except(panels).Except(derived).ToList();

        // References point at the right patient.
        var patientByServerId = patients.ToDictionary(p => "Patient/" + p.Id!, p => FhirServerContents.BusinessId(p, system + "/patient"));
        foreach (var o in observations)
        {
            var assessment = export.Assessments[FhirServerContents.BusinessId(o, system + "/observation")];
            Assert.Equal(assessment.PatientId, patientByServerId[o.Subject!.Reference!]);
        }

        foreach (var p in procedures)
        {
            Assert.Equal(export.Treatments[FhirServerContents.BusinessId(p, system + "/procedure")].PatientId, patientByServerId[p.Subject!.Reference!]);
        }

        foreach (var c in conditions)
        {
            Assert.Equal(FhirServerContents.BusinessId(c, system + "/condition"), patientByServerId[c.Subject!.Reference!]);
        }

        // The right codes.
        foreach (var o in observations)
        {
            var assessment = export.Assessments[FhirServerContents.BusinessId(o, system + "/observation")];
            Assert.Contains(o.Code!.Coding, c => c.System == "https://mndfhir.example.org/fhir/CodeSystem/clinic-measure" && c.Code == assessment.Code);
            if (assessment.Code == "ALSFRSR_TOTAL")
            {
                Assert.Contains(o.Code!.Coding, c => c.System == "http://loinc.org" && c.Code == "82953-1");
            }
            else if (assessment.Code == "FVC")
            {
                Assert.Contains(o.Code!.Coding, c => c.System == "http://loinc.org" && c.Code == "19868-9");
                Assert.Equal("L", ((Quantity)o.Value!).Code);
            }
        }

        foreach (var p in procedures.Where(p => p.Code!.Coding.Any(c => c.Code is "SC_INTRATHECAL" or "SC_INTRAVENOUS" or "SC_LOCAL")))
        {
            Assert.Contains(p.Code!.Coding, c => c.System == "http://snomed.info/sct" && c.Code == "1269349006");
        }

        // Stem-cell procedures carry their cell product; follow-up measurements point at their treatment.
        var procedureByServerId = procedures.ToDictionary(p => "Procedure/" + p.Id!, p => FhirServerContents.BusinessId(p, system + "/procedure"));
        foreach (var p in procedures.Where(p => p.Code!.Coding.Any(c => c.Code is "SC_INTRATHECAL" or "SC_INTRAVENOUS" or "SC_LOCAL")))
        {
            var cells = Assert.IsType<BiologicallyDerivedProduct>(Assert.Single(p.Contained));
            Assert.Equal(BiologicallyDerivedProduct.BiologicallyDerivedProductCategory.Cells, cells.ProductCategory);
            Assert.Empty(p.UsedReference);
            Assert.Equal("#cells", ((ResourceReference)p.Extension.Single(e => e.Url!.EndsWith("/procedure-cell-product", StringComparison.Ordinal)).Value!).Reference);
        }

        var followUps = 0;
        foreach (var o in observations)
        {
            var expectedTreatment = export.Assessments[FhirServerContents.BusinessId(o, system + "/observation")].TreatmentId;
            var link = o.Extension.SingleOrDefault(e => e.Url!.EndsWith("/observation-follow-up-of", StringComparison.Ordinal));
            Assert.Equal(expectedTreatment, link is null ? null : procedureByServerId[((ResourceReference)link.Value!).Reference!]);
            followUps += link is null ? 0 : 1;
        }

        Assert.True(followUps > 0);

        // A second sync sends nothing.
        var second = await host.Get<SyncRunner>().RunAsync("hospital", "test", ct);
        output.WriteLine($"second sync: {second.Created} created, {second.Updated} updated, {second.Unchanged} unchanged");
        Assert.Equal(0, second.Sent);
        Assert.Equal(expectedResources, second.Unchanged);

        // A changed row updates exactly that resource, in place.
        var changed = export.Assessments.Values.First(a => a.Code == "FVC" && a.Unit == "L");
        await SampleExport.ReplaceCellAsync(Path.Combine(host.ExportFolder, "assessments.csv"), changed.Id, "value", "1.23");
        var reimport = await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct);
        Assert.Equal(1, reimport.Files.Single(f => f.File == "assessments.csv").Updated);
        Assert.Equal(0, reimport.Files.Sum(f => f.Created));

        var third = await host.Get<SyncRunner>().RunAsync("hospital", "test", ct);
        output.WriteLine($"sync after one changed row: {third.Created} created, {third.Updated} updated");
        Assert.Equal(0, third.Created);
        Assert.Equal(1, third.Updated);
        var after = await FhirServerContents.AllAsync<Observation>(http, server.BaseUrl, system + "/observation", ct);
        Assert.Equal(observations.Count + panels.Count + derived.Count, after.Count);
        var updated = after.Single(o => FhirServerContents.BusinessId(o, system + "/observation") == changed.Id);
        Assert.Equal(1.23m, ((Quantity)updated.Value!).Value);
        var before = observations.Single(o => o.Id == updated.Id);
        Assert.NotEqual(before.Meta!.VersionId, updated.Meta!.VersionId);
    }

    private static void AssertExactlyOnce<T>(IEnumerable<string> expected, List<T> onServer, string system)
        where T : Resource
    {
        var ids = onServer.Select(r => FhirServerContents.BusinessId(r, system)).ToList();
        var duplicates = ids.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"duplicates on the server: {string.Join(", ", duplicates.Take(10))}");
        var missing = expected.Except(ids).ToList();
        Assert.True(missing.Count == 0, $"missing on the server: {string.Join(", ", missing.Take(10))}");
        Assert.Equal(expected.Count(), ids.Count);
    }
}
