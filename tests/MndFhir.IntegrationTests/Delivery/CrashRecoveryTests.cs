using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.IntegrationTests.Sync;
using MndFhir.Sync.Intake;
using Xunit.Abstractions;

namespace MndFhir.IntegrationTests.Delivery;

/// <summary>A real `mndfhir sync` process killed (SIGKILL) in the middle of a sync, then started again.</summary>
public sealed class CrashRecoveryTests(FhirTestServer server, ITestOutputHelper output) : IClassFixture<FhirTestServer>
{
    [Fact]
    public async System.Threading.Tasks.Task Killing_a_sync_mid_run_and_starting_it_again_ends_with_every_record_exactly_once()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        var system = $"https://mndfhir.example.org/fhir/sid/kill-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>
        {
            ["Clinic:IdentifierSystem"] = system,
            ["Destinations:0:Name"] = "hospital",
            ["Destinations:0:Kind"] = "FhirRest",
            ["Destinations:0:BaseUrl"] = server.BaseUrl.ToString(),
            ["Destinations:0:BatchSize"] = "50",
        };
        await using var host = await SyncTestHost.StartAsync(settings, ct);
        var export = await SampleExport.ReadAsync(host.ExportFolder);
        await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct);
        var config = WriteConfig(host, settings);
        var contexts = host.Get<IDbContextFactory<MndFhirDbContext>>();

        var kills = 0;
        foreach (var killAfter in new[] { 1_000, 6_000 })
        {
            using var sync = StartSync(config);
            while (await DeliveredAsync(contexts, ct) < killAfter && !sync.HasExited)
            {
                await System.Threading.Tasks.Task.Delay(20, ct);
            }

            Assert.False(sync.HasExited, "the sync finished before it could be killed");
            sync.Kill(entireProcessTree: true);
            await sync.WaitForExitAsync(ct);
            kills++;
            output.WriteLine($"killed the sync with {await DeliveredAsync(contexts, ct)} resources confirmed in the ledger");
        }

        using (var last = StartSync(config))
        {
            await last.WaitForExitAsync(ct);
            var stdout = await last.StandardOutput.ReadToEndAsync(ct);
            output.WriteLine(stdout.Trim());
            Assert.True(last.ExitCode == 0, stdout + await last.StandardError.ReadToEndAsync(ct));
        }

        using var http = new HttpClient();
        var audit = await ServerAudit.RunAsync(http, server.BaseUrl, system, export, contexts, "hospital", ct);
        output.WriteLine($"kills: {kills}; {audit}");
        Assert.Equal(0, audit.Duplicates);
        Assert.Equal(0, audit.Missing);
        Assert.Equal(0, audit.LedgerDisagreements);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var runs = await db.SyncRuns.AsNoTracking().OrderBy(r => r.Id).ToListAsync(ct);
        Assert.Equal([SyncOutcome.Failed, SyncOutcome.Failed, SyncOutcome.Succeeded], runs.Select(r => r.Outcome));
    }

    private static async Task<int> DeliveredAsync(IDbContextFactory<MndFhirDbContext> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Ledger.CountAsync(e => e.State == LedgerState.Delivered, ct);
    }

    private static string WriteConfig(SyncTestHost host, Dictionary<string, string?> settings)
    {
        var config = new JsonObject
        {
            ["Clinic"] = new JsonObject
            {
                ["IdentifierSystem"] = settings["Clinic:IdentifierSystem"],
                ["MappingsPath"] = RepositoryPaths.Mappings,
            },
            ["Database"] = new JsonObject { ["ConnectionString"] = "Data Source=" + Path.Combine(host.Folder, "mndfhir.db") },
            ["Logging"] = new JsonObject { ["Folder"] = Path.Combine(host.Folder, "logs") },
            ["Destinations"] = new JsonArray(new JsonObject
            {
                ["Name"] = "hospital",
                ["Kind"] = "FhirRest",
                ["BaseUrl"] = settings["Destinations:0:BaseUrl"],
                ["BatchSize"] = 50,
            }),
        };
        var path = Path.Combine(host.Folder, "mndfhir.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    private static Process StartSync(string config) => MndFhirProcess.Start(config, "sync", "--destination", "hospital");
}
