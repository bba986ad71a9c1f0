using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Sync.DeadLetters;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;

namespace MndFhir.Sync.Tests.Runs;

/// <summary>
/// Every resource is validated against FHIR R4 and the profiles before it is sent. A copy of the mappings whose
/// outcome Observation profile requires a body site makes the two FVC Observations (which have none) invalid: they
/// must become dead letters naming the element and the rule, and everything else must be delivered.
/// </summary>
public sealed class ValidationBeforeSendTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-valid-" + Guid.NewGuid().ToString("N")[..12]);
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        var mappings = Path.Combine(_folder, "mappings");
        RepositoryPaths.CopyMappings(mappings);

        var profile = Path.Combine(mappings, "profiles", "mnd-outcome-observation.json");
        var sd = JsonNode.Parse(await File.ReadAllTextAsync(profile))!;
        sd["differential"]!["element"]!.AsArray().Add(new JsonObject { ["id"] = "Observation.bodySite", ["path"] = "Observation.bodySite", ["min"] = 1 });
        await File.WriteAllTextAsync(profile, sd.ToJsonString());

        Directory.CreateDirectory(Path.Combine(_folder, "export"));
        await File.WriteAllTextAsync(Path.Combine(_folder, "export", "patients.csv"),
            "patient_id,sex,birth_date,diagnosis,registry_consent\nP-1,female,1960,ALS,yes\n");
        await File.WriteAllTextAsync(Path.Combine(_folder, "export", "treatments.csv"),
            "treatment_id,patient_id,code,performed_start,cell_type,cell_source\nT-1,P-1,SC_INTRAVENOUS,2024-01-10,BM-MNC,autologous\n");
        await File.WriteAllTextAsync(Path.Combine(_folder, "export", "assessments.csv"),
            "assessment_id,patient_id,code,value,unit,effective,body_site\nA-1,P-1,FVC,3.1,L,2024-02-01,\nA-2,P-1,FVC,2.9,L,2024-05-01,\nA-3,P-1,GRIP,20,kg,2024-02-01,hand-left\n");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = mappings,
            ["Database:ConnectionString"] = "Data Source=" + Path.Combine(_folder, "test.db"),
            ["Destinations:0:Name"] = "files",
            ["Destinations:0:Kind"] = "NdjsonFolder",
            ["Destinations:0:Folder"] = Path.Combine(_folder, "out"),
        }).Build();
        _services = new ServiceCollection().AddLogging().AddMndFhirSync(configuration, _folder).BuildServiceProvider();
        await _services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        Assert.Equal(0, (await _services.GetRequiredService<ClinicImporter>().ImportAsync(Path.Combine(_folder, "export"), CancellationToken.None)).Rejected);
    }

    [Fact]
    public async Task Invalid_resources_are_never_sent_and_become_dead_letters_naming_element_and_rule()
    {
        var summary = await _services.GetRequiredService<SyncRunner>().RunAsync("files", "test", CancellationToken.None);

        Assert.Equal(2, summary.Invalid);
        Assert.Equal(2, summary.Failed);
        Assert.Equal(4, summary.Created); // Patient, Condition, Procedure, the grip Observation with its body site
        // Each part also carries its Provenance (a record of the delivery, not a resource of the clinic's).
        var sent = Directory.GetFiles(Path.Combine(_folder, "out"), "*.ndjson", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith("Provenance.", StringComparison.Ordinal))
            .SelectMany(File.ReadAllLines)
            .Select(l => JsonNode.Parse(l)!)
            .ToList();
        Assert.Equal(4, sent.Count);
        Assert.DoesNotContain(sent, r => r["identifier"]![0]!["value"]!.GetValue<string>() is "A-1" or "A-2");

        var letters = await _services.GetRequiredService<DeadLetterQueries>().ListAsync("files", CancellationToken.None);
        Assert.Equal(["A-1", "A-2"], letters.Select(l => l.BusinessId).Order());
        Assert.All(letters, l =>
        {
            // The element (where and what) and the rule (the profile whose rule is broken).
            Assert.Equal("not sent (invalid): error invalid at Observation: Missing required member: 'bodySite' (+1 more)", l.Summary);
            Assert.Contains("StructureDefinition/mnd-outcome-observation", l.Outcome, StringComparison.Ordinal);
            Assert.Contains("did not send it", l.Outcome, StringComparison.Ordinal);
        });

        // Nothing changed: the next sync validates the two again and still sends nothing of them.
        var again = await _services.GetRequiredService<SyncRunner>().RunAsync("files", "test", CancellationToken.None);
        Assert.Equal(2, again.Invalid);
        Assert.Equal(0, again.Created + again.Updated);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
