using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;

namespace MndFhir.Sync.Tests.Registry;

/// <summary>
/// Issue 10, item 2, on an NDJSON registry: a patient whose registry consent changes from yes to no gets no further data,
/// and what the registry holds is deleted (Retract: a Bulk Data "deleted" Bundle) or reported (Report). And item 1's key
/// rotation: the same pseudonyms on every run, new ones under a new key, the old ones deleted.
/// </summary>
public sealed class ConsentWithdrawalTests : IAsyncDisposable
{
    private const string Treatments = "treatment_id,patient_id,code,performed_start,cell_type,cell_source,performer,note\nT-1,P-1,SC_INTRAVENOUS,2024-01-10,BM-MNC,autologous,S-1,went well\n";
    private readonly RegistryHarness _harness = new();

    [Fact]
    public async Task Retract_deletes_what_the_registry_holds_of_a_withdrawn_patient_and_sends_nothing_more()
    {
        var services = await _harness.ServicesAsync(RegistryHarness.NewKeyVariable());
        await ImportAsync(services, consent: "yes", fvc: "3.1");
        var first = await RegistryHarness.SyncAsync(services);
        Assert.Equal(4, first.Created); // Patient, Condition, Procedure, Observation of P-1

        await ImportAsync(services, consent: "no", fvc: "2.4");
        var second = await RegistryHarness.SyncAsync(services);

        Assert.Equal((4, 0, 0, 0), (second.Deleted, second.Created, second.Updated, second.Failed));
        var run = Assert.Single(Directory.GetDirectories(_harness.Output), d => d.EndsWith($"-run{second.RunId}", StringComparison.Ordinal));
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(run, "manifest.json")))!;
        Assert.Empty(manifest["output"]!.AsArray());
        var deleted = Assert.Single(manifest["deleted"]!.AsArray());
        Assert.Equal("Bundle", deleted!["type"]!.GetValue<string>());
        var bundle = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(run, deleted["url"]!.GetValue<string>())))!;
        var urls = bundle["entry"]!.AsArray().Select(e => e!["request"]!["url"]!.GetValue<string>()).ToList();
        var held = _harness.Lines().Where(l => l.File.Split('.')[0] is "Patient" or "Condition" or "Procedure" or "Observation")
            .Select(l => JsonNode.Parse(l.Line)!).Select(r => $"{r["resourceType"]}/{r["id"]}").ToList();
        Assert.Equal(held.Order(StringComparer.Ordinal), urls.Order(StringComparer.Ordinal));
        Assert.Equal("Patient", urls[^1].Split('/')[0]); // last tier first: the patient goes last
        Assert.All(bundle["entry"]!.AsArray(), e => Assert.Equal("DELETE", e!["request"]!["method"]!.GetValue<string>()));
        await using (var db = await services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(0, await db.Ledger.CountAsync(e => e.Destination == "registry"));
        }

        // No further data: the changed FVC of the withdrawn patient is not sent, and nothing is deleted twice.
        var third = await RegistryHarness.SyncAsync(services);
        Assert.Equal((0, 0, 0), (third.Deleted, third.Created, third.Updated));
        Assert.Null(third.Output);
    }

    [Fact]
    public async Task Report_leaves_it_at_the_registry_sends_nothing_more_and_reports_it_on_every_sync()
    {
        var key = RegistryHarness.NewKeyVariable();
        var services = await _harness.ServicesAsync(key, policy: "Report");
        await ImportAsync(services, consent: "yes", fvc: "3.1");
        await RegistryHarness.SyncAsync(services);
        var folders = Directory.GetDirectories(_harness.Output).Length;

        await ImportAsync(services, consent: "no", fvc: "2.4");
        var second = await RegistryHarness.SyncAsync(services);

        Assert.Equal((0, 0, 0), (second.Deleted, second.Created, second.Updated));
        Assert.Equal((4, 1), (second.ConsentWithdrawnHeld, second.ConsentWithdrawnPatients));
        Assert.Contains("OnConsentWithdrawn: Report", second.ConsentWithdrawnNotice, StringComparison.Ordinal);
        Assert.Equal(folders, Directory.GetDirectories(_harness.Output).Length);
        await using (var db = await services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync())
        {
            var run = await db.SyncRuns.SingleAsync(r => r.Id == second.RunId);
            Assert.Equal(SyncOutcome.PartlySucceeded, run.Outcome);
            Assert.StartsWith("consent withdrawn: the destination still holds 4 resources of 1 patients", run.Error, StringComparison.Ordinal);
        }

        // Switching the policy to Retract deletes them at the next sync.
        var retract = await _harness.ServicesAsync(key, policy: "Retract");
        Assert.Equal(4, (await RegistryHarness.SyncAsync(retract)).Deleted);
    }

    [Fact]
    public async Task Pseudonyms_are_the_same_on_every_run_and_a_key_rotation_deletes_the_old_ones_and_sends_the_new()
    {
        var oldKey = RegistryHarness.NewKeyVariable();
        var services = await _harness.ServicesAsync(oldKey);
        await ImportAsync(services, consent: "yes", fvc: "3.1");
        await RegistryHarness.SyncAsync(services);
        var before = PatientIds();

        // The same key on another machine (a fresh database and folder) gives the same pseudonyms.
        await using (var elsewhere = new RegistryHarness())
        {
            var other = await elsewhere.ServicesAsync(oldKey);
            await File.WriteAllTextAsync(Path.Combine(elsewhere.Export, "patients.csv"), await File.ReadAllTextAsync(Path.Combine(_harness.Export, "patients.csv")));
            await File.WriteAllTextAsync(Path.Combine(elsewhere.Export, "treatments.csv"), await File.ReadAllTextAsync(Path.Combine(_harness.Export, "treatments.csv")));
            await File.WriteAllTextAsync(Path.Combine(elsewhere.Export, "assessments.csv"), await File.ReadAllTextAsync(Path.Combine(_harness.Export, "assessments.csv")));
            await RegistryHarness.ImportAsync(other, elsewhere.Export);
            await RegistryHarness.SyncAsync(other);
            Assert.Equal(before, elsewhere.Lines().Where(l => l.File.StartsWith("Patient.", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l.Line)!["id"]!.GetValue<string>()).ToList());
        }

        var newKey = RegistryHarness.NewKeyVariable();
        var rotating = await _harness.ServicesAsync(newKey, previousKeyVariable: oldKey);
        var rotation = await RegistryHarness.SyncAsync(rotating);

        Assert.Equal((4, 4), (rotation.Deleted, rotation.Created));
        var after = PatientIds().Except(before).ToList();
        Assert.Single(after);
        var run = Directory.GetDirectories(_harness.Output).Single(d => d.EndsWith($"-run{rotation.RunId}", StringComparison.Ordinal));
        var deletes = await File.ReadAllTextAsync(Path.Combine(run, "Bundle.0001.ndjson"));
        Assert.Contains($"Patient/{before[0]}", deletes, StringComparison.Ordinal);

        // Once rotated, the previous key deletes nothing more and nothing is sent again.
        var again = await RegistryHarness.SyncAsync(rotating);
        Assert.Equal((0, 0, 0), (again.Deleted, again.Created, again.Updated));
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    private List<string> PatientIds() => _harness.Lines().Where(l => l.File.StartsWith("Patient.", StringComparison.Ordinal))
        .Select(l => JsonNode.Parse(l.Line)!["id"]!.GetValue<string>()).ToList();

    private async Task ImportAsync(IServiceProvider services, string consent, string fvc)
    {
        await File.WriteAllTextAsync(Path.Combine(_harness.Export, "patients.csv"),
            $"patient_id,family_name,sex,birth_date,diagnosis,registry_consent\nP-1,Zebedee,female,1960-04-02,ALS,{consent}\nP-2,Quorra,male,1955-06,PBP,no\n");
        await File.WriteAllTextAsync(Path.Combine(_harness.Export, "treatments.csv"), Treatments);
        await File.WriteAllTextAsync(Path.Combine(_harness.Export, "assessments.csv"),
            $"assessment_id,patient_id,code,value,unit,effective\nA-1,P-1,FVC,{fvc},L,2024-02-01\nA-2,P-2,FVC,2.9,L,2024-02-01\n");
        await RegistryHarness.ImportAsync(services, _harness.Export);
    }
}
