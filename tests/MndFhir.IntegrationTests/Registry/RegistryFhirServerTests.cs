using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.IntegrationTests.Sync;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;
using Task = System.Threading.Tasks.Task;

namespace MndFhir.IntegrationTests.Registry;

/// <summary>
/// A pseudonymised registry on a real FHIR server (Medplum's engine on loopback): what it holds carries only pseudonyms,
/// its references resolve, each bundle brought a Provenance, and a withdrawn consent deletes what it held (issue 10).
/// </summary>
public sealed class RegistryFhirServerTests(FhirTestServer server) : IClassFixture<FhirTestServer>
{
    [Fact]
    public async Task The_registry_holds_pseudonymised_resources_with_provenance_and_a_withdrawn_consent_deletes_them()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        var key = "MNDFHIR_IT_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(key, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(36)));
        var system = $"https://mndfhir.example.org/fhir/sid/it-{Guid.NewGuid():N}";
        await using var host = await SyncTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clinic:IdentifierSystem"] = system,
                ["Destinations:0:Name"] = "registry",
                ["Destinations:0:Kind"] = "FhirRest",
                ["Destinations:0:BaseUrl"] = server.BaseUrl.ToString(),
                ["Destinations:0:RequiresRegistryConsent"] = "true",
                ["Destinations:0:Pseudonymise"] = "true",
                ["Destinations:0:PseudonymKeyVariable"] = key,
                ["Destinations:0:DateShiftDays"] = "30",
            },
            ct);
        await ImportAsync(host, consent: "yes", ct);

        var first = await host.Get<SyncRunner>().RunAsync("registry", "test", ct);

        Assert.Null(first.Error);
        Assert.Equal((4, 0, 0), (first.Created, first.Failed, first.Blocked));
        using var http = new HttpClient();
        var pseudonyms = system + "/pseudonym";
        var patient = Assert.Single(await FhirServerContents.AllAsync<Patient>(http, server.BaseUrl, pseudonyms + "/patient", ct));
        Assert.Empty(patient.Name);
        Assert.Equal("1960", patient.BirthDate);
        Assert.Matches("^[0-9a-f]{32}$", Assert.Single(patient.Identifier).Value);
        var observation = Assert.Single(await FhirServerContents.AllAsync<Observation>(http, server.BaseUrl, pseudonyms + "/observation", ct));
        Assert.Equal("Patient/" + patient.Id, observation.Subject!.Reference);
        var procedure = Assert.Single(await FhirServerContents.AllAsync<Procedure>(http, server.BaseUrl, pseudonyms + "/procedure", ct));
        Assert.Empty(procedure.Performer);
        Assert.Empty(procedure.Note);
        Assert.Equal(0, await server.CountAsync("Patient", $"identifier={Uri.EscapeDataString(system + "/patient|P-1")}", ct));

        // One Provenance per bundle, its targets resolved by the server's transaction to the ids it gave.
        var provenances = JsonNode.Parse(await http.GetStringAsync(new Uri(server.BaseUrl, $"Provenance?target=Patient/{patient.Id}"), ct))!["entry"]!.AsArray();
        var provenance = MndFhir.Serialization.FhirJson.Deserialize<Provenance>(provenances.Single()!["resource"]!.ToJsonString());
        Assert.Contains(provenance.Target, t => t.Reference == "Patient/" + patient.Id);
        Assert.Equal(["Organization", "Device"], provenance.Agent.Select(a => a.Who.Type));
        Assert.Equal(first.RunId.ToString(System.Globalization.CultureInfo.InvariantCulture), ((Identifier)provenance.Extension.Single().Value!).Value);
        Assert.Equal(Provenance.ProvenanceEntityRole.Source, provenance.Entity.Single().Role);

        // Consent withdrawn: everything the registry held of the patient is deleted, and nothing more is sent.
        await ImportAsync(host, consent: "no", ct);
        var second = await host.Get<SyncRunner>().RunAsync("registry", "test", ct);

        Assert.Equal((4, 0, 0, 0), (second.Deleted, second.Created, second.Updated, second.Failed));
        Assert.Empty(await FhirServerContents.AllAsync<Patient>(http, server.BaseUrl, pseudonyms + "/patient", ct));
        Assert.Empty(await FhirServerContents.AllAsync<Observation>(http, server.BaseUrl, pseudonyms + "/observation", ct));
        Assert.Empty(await FhirServerContents.AllAsync<Procedure>(http, server.BaseUrl, pseudonyms + "/procedure", ct));
        Assert.Empty(await FhirServerContents.AllAsync<Condition>(http, server.BaseUrl, pseudonyms + "/condition", ct));
        var third = await host.Get<SyncRunner>().RunAsync("registry", "test", ct);
        Assert.Equal((0, 0, 0), (third.Deleted, third.Created, third.Updated));
    }

    private static async Task ImportAsync(SyncTestHost host, string consent, CancellationToken ct)
    {
        await File.WriteAllTextAsync(Path.Combine(host.ExportFolder, "patients.csv"),
            $"patient_id,hospital_mrn,family_name,sex,birth_date,diagnosis,registry_consent\nP-1,MRN-1,Zebedee,female,1960-04-02,ALS,{consent}\nP-2,MRN-2,Quorra,male,1955-06,PBP,no\n", ct);
        await File.WriteAllTextAsync(Path.Combine(host.ExportFolder, "treatments.csv"),
            "treatment_id,patient_id,code,performed_start,cell_type,cell_source,performer,note\nT-1,P-1,SC_INTRAVENOUS,2024-01-10,BM-MNC,autologous,S-1,went well\n", ct);
        await File.WriteAllTextAsync(Path.Combine(host.ExportFolder, "assessments.csv"),
            "assessment_id,patient_id,code,value,unit,effective\nA-1,P-1,FVC,3.1,L,2024-02-01\nA-2,P-2,FVC,2.9,L,2024-02-01\n", ct);
        var import = await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct);
        Assert.Equal(0, import.Rejected);
    }
}
