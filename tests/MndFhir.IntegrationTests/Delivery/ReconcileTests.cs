using System.Text;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.IntegrationTests.Sync;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Ledger;
using MndFhir.Sync.Runs;
using Xunit.Abstractions;

namespace MndFhir.IntegrationTests.Delivery;

/// <summary>Drift made behind the service's back on the real server and in the ledger, found and repaired by reconcile.</summary>
public sealed class ReconcileTests(FhirTestServer server, ITestOutputHelper output) : IClassFixture<FhirTestServer>
{
    [Fact]
    public async System.Threading.Tasks.Task Reconcile_finds_deleted_foreign_duplicated_and_forgotten_resources_and_repairs_the_ledger()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        var system = $"https://mndfhir.example.org/fhir/sid/drift-{Guid.NewGuid():N}";
        await using var host = await SyncTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clinic:IdentifierSystem"] = system,
                ["Destinations:0:Name"] = "hospital",
                ["Destinations:0:Kind"] = "FhirRest",
                ["Destinations:0:BaseUrl"] = server.BaseUrl.ToString(),
            },
            ct);
        var export = await SampleExport.ReadAsync(host.ExportFolder);
        await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct);
        await host.Get<SyncRunner>().RunAsync("hospital", "test", ct);
        var contexts = host.Get<IDbContextFactory<MndFhirDbContext>>();
        using var http = new HttpClient { BaseAddress = server.BaseUrl };

        // Drift: someone deletes two observations on the server, creates a second copy of a patient,
        // and the ledger loses its entry for a procedure.
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            foreach (var e in await db.Ledger.Where(e => e.ResourceType == "Observation").OrderBy(e => e.Id).Take(2).ToListAsync(ct))
            {
                (await http.DeleteAsync(new Uri($"Observation/{e.ServerId}", UriKind.Relative), ct)).EnsureSuccessStatusCode();
            }

            var copy = $"{{\"resourceType\":\"Patient\",\"identifier\":[{{\"system\":\"{system}/patient\",\"value\":\"P-0002\"}}]}}";
            using var content = new StringContent(copy, Encoding.UTF8, "application/fhir+json");
            (await http.PostAsync(new Uri("Patient", UriKind.Relative), content, ct)).EnsureSuccessStatusCode();
            db.Ledger.Remove(await db.Ledger.FirstAsync(e => e.ResourceType == "Procedure", ct));

            // A later update of a delivered resource was rejected: the entry is a dead letter, but the server holds the
            // resource it points at, so the two agree (it was once reported as unknown to the ledger).
            var rejectedUpdate = await db.Ledger.FirstAsync(e => e.ResourceType == "Condition", ct);
            rejectedUpdate.State = LedgerState.Failed;
            rejectedUpdate.LastStatus = 422;
            await db.SaveChangesAsync(ct);
        }

        var report = await host.Get<LedgerReconciler>().ReconcileAsync("hospital", repair: false, ct);
        output.WriteLine($"found: {report.Checked} checked, {report.Missing.Count} missing, {report.UnknownToLedger.Count} unknown to the ledger, {report.Duplicated.Count} duplicated");
        Assert.Equal(2, report.Missing.Count);
        Assert.Single(report.UnknownToLedger);
        Assert.Equal("P-0002", Assert.Single(report.Duplicated).Key.BusinessId);
        Assert.Equal(report.Checked - 4, report.Agreeing);

        var repaired = await host.Get<LedgerReconciler>().ReconcileAsync("hospital", repair: true, ct);
        Assert.True(repaired.Repaired);
        var sync = await host.Get<SyncRunner>().RunAsync("hospital", "test", ct);
        output.WriteLine($"sync after repair: {sync.Created} created, {sync.Updated} updated");
        // The two re-created items get new ids, so their panel is updated to point at them, beside the adopted procedure
        // and the condition whose update had failed.
        Assert.Equal(2, sync.Created);
        Assert.InRange(sync.Updated, 3, 4);

        using var reader = new HttpClient();
        var audit = await ServerAudit.RunAsync(reader, server.BaseUrl, system, export, contexts, "hospital", ct);
        output.WriteLine(audit.ToString());
        Assert.Equal(0, audit.Missing);
        Assert.Equal(1, audit.Duplicates);
        var after = await host.Get<LedgerReconciler>().ReconcileAsync("hospital", repair: false, ct);
        Assert.Equal((0, 0, 0, 1), (after.Missing.Count, after.Moved.Count, after.UnknownToLedger.Count, after.Duplicated.Count));
    }
}
