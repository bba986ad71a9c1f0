using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.IntegrationTests.Sync;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;
using Xunit.Abstractions;

namespace MndFhir.IntegrationTests.Delivery;

/// <summary>
/// The sample export synced to the real FHIR server through a proxy that injects 5xx, 429 with Retry-After, timeouts,
/// dropped connections and answers lost after the server committed. Everything must land exactly once.
/// </summary>
public sealed class FaultToleranceTests(FhirTestServer server, ITestOutputHelper output) : IClassFixture<FhirTestServer>
{
    private static readonly FaultKind[] Faults =
        [FaultKind.ServerError, FaultKind.TooManyRequests, FaultKind.Timeout, FaultKind.DropConnection, FaultKind.LoseResponse];

    [Fact]
    public async System.Threading.Tasks.Task Every_record_lands_exactly_once_whatever_faults_the_network_and_server_inject()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        var ct = cts.Token;
        // Every fourth request meets a fault, the five kinds in turn.
        await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, n => n % 4 == 0 ? Faults[n / 4 % Faults.Length] : FaultKind.None, TimeSpan.FromSeconds(3));
        var system = $"https://mndfhir.example.org/fhir/sid/faults-{Guid.NewGuid():N}";
        await using var host = await SyncTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clinic:IdentifierSystem"] = system,
                ["Destinations:0:Name"] = "hospital",
                ["Destinations:0:Kind"] = "FhirRest",
                ["Destinations:0:BaseUrl"] = proxy.BaseUrl.ToString(),
                ["Destinations:0:TimeoutSeconds"] = "2",
            },
            ct);
        var export = await SampleExport.ReadAsync(host.ExportFolder);
        Assert.Equal(0, (await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct)).Rejected);

        var sync = await host.Get<SyncRunner>().RunAsync("hospital", "test", ct);

        using var http = new HttpClient();
        var audit = await ServerAudit.RunAsync(http, server.BaseUrl, system, export, host.Get<IDbContextFactory<MndFhirDbContext>>(), "hospital", ct);
        output.WriteLine($"faults injected: {proxy.InjectedTotal} ({string.Join(", ", proxy.Injected.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}) in {proxy.Requests} requests");
        output.WriteLine(audit.ToString());
        output.WriteLine($"sync: {sync.Created} created, {sync.Updated} updated, {sync.Failed} failed, {sync.Blocked} blocked, {sync.Elapsed.TotalSeconds:0.0} s");
        Assert.Null(sync.Error);
        Assert.All(Faults, f => Assert.True(proxy.Injected.GetValueOrDefault(f) > 0, $"no {f} was injected"));
        Assert.Equal(0, audit.Duplicates);
        Assert.Equal(0, audit.Missing);
        Assert.Equal(0, audit.LedgerDisagreements);
        Assert.Equal(audit.Records, audit.OnServer);

        // With the faults gone, nothing is left to send.
        proxy.Plan = _ => FaultKind.None;
        var again = await host.Get<SyncRunner>().RunAsync("hospital", "test", ct);
        Assert.Equal(0, again.Sent);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_server_without_transactions_gets_batches_as_its_capability_statement_asks()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, _ => FaultKind.None, TimeSpan.Zero);
        proxy.TransactionsUnsupported = true;
        var system = $"https://mndfhir.example.org/fhir/sid/batch-{Guid.NewGuid():N}";
        await using var host = await SyncTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clinic:IdentifierSystem"] = system,
                ["Destinations:0:Name"] = "registry",
                ["Destinations:0:Kind"] = "FhirRest",
                ["Destinations:0:BaseUrl"] = proxy.BaseUrl.ToString(),
            },
            ct);
        var export = await SampleExport.ReadAsync(host.ExportFolder);
        await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct);

        var sync = await host.Get<SyncRunner>().RunAsync("registry", "test", ct);

        using var http = new HttpClient();
        var audit = await ServerAudit.RunAsync(http, server.BaseUrl, system, export, host.Get<IDbContextFactory<MndFhirDbContext>>(), "registry", ct);
        output.WriteLine($"batch-only server: {sync.Created} created, {proxy.TransactionsRefused} transactions refused; {audit}");
        Assert.Equal(0, proxy.TransactionsRefused);
        Assert.Equal((0, 0, 0), (sync.Failed, audit.Duplicates, audit.Missing));
        Assert.Equal(audit.Records, sync.Created);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async System.Threading.Tasks.Task A_destination_that_keeps_failing_stops_the_sync_and_keeps_what_was_confirmed(int inFlight)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = cts.Token;
        // The first five requests go through; from then on the server answers 500 only.
        await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, n => n <= 5 ? FaultKind.None : FaultKind.ServerError, TimeSpan.Zero);
        var system = $"https://mndfhir.example.org/fhir/sid/down-{Guid.NewGuid():N}";
        await using var host = await SyncTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clinic:IdentifierSystem"] = system,
                ["Destinations:0:Name"] = "hospital",
                ["Destinations:0:Kind"] = "FhirRest",
                ["Destinations:0:BaseUrl"] = proxy.BaseUrl.ToString(),
                ["Destinations:0:RetryAttempts"] = "3",
                ["Destinations:0:RetryMaxSeconds"] = "10",
                ["Destinations:0:MaxRequestsInFlight"] = inFlight.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            ct);
        await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct);

        var sync = await host.Get<SyncRunner>().RunAsync("hospital", "test", ct);

        Assert.NotNull(sync.Error);
        Assert.True(sync.Created > 0);
        await using var db = await host.Get<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync(ct);
        Assert.Equal(sync.Created, await db.Ledger.CountAsync(e => e.State == LedgerState.Delivered, ct));
        Assert.Equal(0, await db.Ledger.CountAsync(e => e.State == LedgerState.Failed, ct));
        Assert.Equal(SyncOutcome.Failed, (await db.SyncRuns.SingleAsync(ct)).Outcome);

        // Each bundle in flight when the server went down tried its three attempts; one at a time, exactly one bundle did.
        if (inFlight == 1)
        {
            Assert.Equal(3, proxy.Requests - 5);
        }
        else
        {
            Assert.InRange(proxy.Requests - 5, 3, 3 * inFlight);
        }
    }

    [Theory]
    [InlineData(FaultKind.HtmlPage, "text/html")]
    [InlineData(FaultKind.NotABundle, "application/json")]
    public async System.Threading.Tasks.Task A_destination_answering_200_with_something_that_is_not_a_FHIR_bundle_stops_the_sync_and_nothing_is_recorded_as_delivered(
        FaultKind fault, string mediaType)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = cts.Token;
        // Every request, the CapabilityStatement's too, gets the same answer: a misrouted URL behind a proxy does that.
        await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, _ => fault, TimeSpan.Zero);
        await using var host = await SyncTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clinic:IdentifierSystem"] = $"https://mndfhir.example.org/fhir/sid/html-{Guid.NewGuid():N}",
                ["Destinations:0:Name"] = "hospital",
                ["Destinations:0:Kind"] = "FhirRest",
                ["Destinations:0:BaseUrl"] = proxy.BaseUrl.ToString(),

                // One bundle at a time, so that exactly one is sent (with two in flight, two would be).
                ["Destinations:0:MaxRequestsInFlight"] = "1",
            },
            ct);
        await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct);

        var sync = await host.Get<SyncRunner>().RunAsync("hospital", "test", ct);

        Assert.Equal(
            $"Destination 'hospital' answered HTTP 200 ({mediaType}) to a transaction, which is not a FHIR Bundle; nothing of the batch is recorded as delivered.",
            sync.Error);
        Assert.Equal(0, sync.Sent);
        Assert.Equal(2, proxy.Requests); // the CapabilityStatement and one transaction: a 200 is not retried
        await using var db = await host.Get<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync(ct);
        Assert.Equal(0, await db.Ledger.CountAsync(ct));
        var run = await db.SyncRuns.SingleAsync(ct);
        Assert.Equal((SyncOutcome.Failed, sync.Error), (run.Outcome, run.Error));
    }
}
