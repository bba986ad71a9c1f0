using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.IntegrationTests.Sync;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;
using Xunit.Abstractions;

namespace MndFhir.IntegrationTests.Delivery;

/// <summary>
/// A destination that refuses the credentials (401) or is not the FHIR base the configuration says (404) stops the run
/// at once with its own message: one request, no dead letters; the next sync with the fault fixed sends exactly what
/// was missing. Only content rejections are split and dead-lettered.
/// </summary>
public sealed class DestinationRefusalTests(FhirTestServer server, ITestOutputHelper output) : IClassFixture<FhirTestServer>
{
    [Fact]
    public async System.Threading.Tasks.Task A_token_refused_mid_sync_stops_the_run_with_no_dead_letters_and_the_next_sync_with_a_valid_token_sends_what_was_missing()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        var variable = "MNDFHIR_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(variable, "first-token");
        try
        {
            var proxyRequestsAtRefusal = 0;
            await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, _ => FaultKind.None, TimeSpan.Zero);
            proxy.RequiredBearer = "first-token";
            var system = $"https://clinic.test/sid/{Guid.NewGuid():N}";
            await using var host = await SyncTestHost.StartAsync(
                new Dictionary<string, string?>
                {
                    ["Clinic:IdentifierSystem"] = system,
                    ["Destinations:0:Name"] = "hospital",
                    ["Destinations:0:Kind"] = "FhirRest",
                    ["Destinations:0:BaseUrl"] = proxy.BaseUrl.ToString(),
                    ["Destinations:0:Auth"] = "Bearer",
                    ["Destinations:0:TokenVariable"] = variable,
                    ["Destinations:0:BatchSize"] = "100",
                },
                ct);
            await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct);
            var export = await SampleExport.ReadAsync(host.ExportFolder);

            // The token expires after the 20th request: the server answers 401 from then on.
            proxy.Plan = n =>
            {
                if (n == 21)
                {
                    proxy.RequiredBearer = "second-token";
                    proxyRequestsAtRefusal = n;
                }

                return FaultKind.None;
            };
            var refused = await Assert.ThrowsAsync<DestinationAuthenticationException>(() => host.Get<SyncRunner>().RunAsync("hospital", "test", ct));

            output.WriteLine(refused.Message);
            Assert.StartsWith("Authentication failed: destination 'hospital' answered HTTP 401: error login: The access token expired", refused.Message, StringComparison.Ordinal);
            // The run stops at the first refusal. The one other batch MaxRequestsInFlight (2) lets out at once may
            // already be on its way when the first is refused (how likely depends on how far the planner is ahead of
            // the server), and is refused too; nothing after them is sent.
            Assert.InRange(proxy.Unauthorized, 1, 2);
            Assert.Equal(20 + proxy.Unauthorized, proxy.Requests);
            var contexts = host.Get<IDbContextFactory<MndFhirDbContext>>();
            int delivered;
            await using (var db = await contexts.CreateDbContextAsync(ct))
            {
                Assert.Equal(0, await db.Ledger.CountAsync(e => e.State == LedgerState.Failed, ct));
                delivered = await db.Ledger.CountAsync(e => e.State == LedgerState.Delivered, ct);
                var run = await db.SyncRuns.SingleAsync(ct);
                Assert.Equal(SyncOutcome.Failed, run.Outcome);
                Assert.StartsWith("Authentication failed", run.Error, StringComparison.Ordinal);
            }

            Environment.SetEnvironmentVariable(variable, "second-token");
            var again = await host.Get<SyncRunner>().RunAsync("hospital", "test", ct);

            using var http = new HttpClient();
            var audit = await ServerAudit.RunAsync(http, server.BaseUrl, system, export, contexts, "hospital", ct);
            output.WriteLine($"delivered before the refusal: {delivered}; then {again.Created} created, {again.Unchanged} unchanged; {audit}");
            Assert.Equal(audit.Records - delivered, again.Created);
            Assert.Equal((0, 0, 0), (audit.Duplicates, audit.Missing, audit.LedgerDisagreements));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("not-the-fhir-base/")]
    [InlineData("R4/metadata-is-here-not/")]
    public async System.Threading.Tasks.Task A_wrong_base_url_stops_the_run_as_a_misconfigured_destination_after_one_request(string wrongPath)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = cts.Token;
        await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, _ => FaultKind.None, TimeSpan.Zero);
        var wrong = new Uri(proxy.BaseUrl.GetLeftPart(UriPartial.Authority) + "/" + wrongPath);
        await using var host = await SyncTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Destinations:0:Name"] = "hospital",
                ["Destinations:0:Kind"] = "FhirRest",
                ["Destinations:0:BaseUrl"] = wrong.ToString(),
            },
            ct);
        await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct);

        var error = await Assert.ThrowsAsync<DestinationMisconfiguredException>(() => host.Get<SyncRunner>().RunAsync("hospital", "test", ct));

        output.WriteLine(error.Message);
        Assert.StartsWith("Misconfigured destination: 'hospital' answered HTTP 404 to GET metadata", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Requests);
        await using var db = await host.Get<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync(ct);
        Assert.False(await db.Ledger.AnyAsync(ct));
        Assert.Equal(SyncOutcome.Failed, (await db.SyncRuns.SingleAsync(ct)).Outcome);
    }
}
