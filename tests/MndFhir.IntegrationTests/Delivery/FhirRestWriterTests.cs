using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging.Abstractions;
using MndFhir.Identity;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.Mapping;
using MndFhir.Serialization;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;

namespace MndFhir.IntegrationTests.Delivery;

/// <summary>The REST writer against the real FHIR test server: conditional updates, and isolation of rejected resources.</summary>
public sealed class FhirRestWriterTests(FhirTestServer server) : IClassFixture<FhirTestServer>, IAsyncLifetime
{
    private readonly List<FhirDestination> _destinations = [];

    public System.Threading.Tasks.Task InitializeAsync() => System.Threading.Tasks.Task.CompletedTask;

    public async System.Threading.Tasks.Task DisposeAsync()
    {
        foreach (var d in _destinations)
        {
            await d.DisposeAsync();
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task One_invalid_resource_in_a_bundle_is_isolated_with_the_servers_outcome_and_the_rest_is_delivered()
    {
        var identity = new ClinicIdentity($"https://clinic.test/sid/{Guid.NewGuid():N}");
        await using var writer = Writer(identity);
        var batch = Enumerable.Range(1, 7).Select(i => Item(identity, $"P-{i}", gender: "female")).ToList();
        batch[4] = Item(identity, "P-5", gender: "female\",\"birthDate\":\"1970-13-45");

        var results = await writer.SendAsync(batch, CancellationToken.None);

        Assert.Equal(7, results.Count);
        Assert.Equal(batch.Select(b => b.Mapped.Key), results.Select(r => r.Key));
        var rejected = Assert.Single(results, r => !r.Accepted);
        Assert.Equal("P-5", rejected.Key.BusinessId);
        Assert.Contains("OperationOutcome", rejected.Error, StringComparison.Ordinal);
        Assert.All(results.Where(r => r.Accepted), r => Assert.False(string.IsNullOrEmpty(r.ServerId)));
    }

    [Fact]
    public async System.Threading.Tasks.Task In_a_batch_an_invalid_resource_fails_alone_in_one_request_with_the_servers_outcome()
    {
        await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, _ => FaultKind.None, TimeSpan.Zero);
        var identity = new ClinicIdentity($"https://clinic.test/sid/{Guid.NewGuid():N}");
        await using var writer = Writer(identity, proxy.BaseUrl, BundleMode.Batch);
        var batch = Enumerable.Range(1, 7).Select(i => Item(identity, $"P-{i}", gender: "female")).ToList();
        batch[2] = Item(identity, "P-3", gender: "female\",\"birthDate\":\"1970-13-45");

        var results = await writer.SendAsync(batch, CancellationToken.None);

        Assert.Equal(1, proxy.Requests);
        var rejected = Assert.Single(results, r => !r.Accepted);
        Assert.Equal("P-3", rejected.Key.BusinessId);
        Assert.Contains("birthDate", rejected.Error, StringComparison.Ordinal);
        Assert.Equal(6, results.Count(r => r.Accepted && r.Created));
    }

    [Fact]
    public async System.Threading.Tasks.Task Sending_the_same_resources_again_updates_them_in_place()
    {
        var identity = new ClinicIdentity($"https://clinic.test/sid/{Guid.NewGuid():N}");
        await using var writer = Writer(identity);
        var batch = Enumerable.Range(1, 3).Select(i => Item(identity, $"P-{i}", gender: "male")).ToList();

        var first = await writer.SendAsync(batch, CancellationToken.None);
        var again = await writer.SendAsync(batch, CancellationToken.None);

        Assert.All(first, r => Assert.True(r.Accepted && r.Created));
        Assert.All(again, r => Assert.True(r.Accepted && !r.Created));
        Assert.Equal(first.Select(r => r.ServerId), again.Select(r => r.ServerId));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_send_cancelled_while_the_capabilities_are_asked_leaves_the_answer_to_the_next_send()
    {
        // The first request (GET metadata) is held 2 s; the first send gives up after 0.2 s.
        await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, n => n == 1 ? FaultKind.SlowAnswer : FaultKind.None, TimeSpan.FromSeconds(2));
        var identity = new ClinicIdentity($"https://clinic.test/sid/{Guid.NewGuid():N}");
        await using var writer = Writer(identity, proxy.BaseUrl);
        var batch = Enumerable.Range(1, 3).Select(i => Item(identity, $"P-{i}", gender: "male")).ToList();

        using var impatient = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.SendAsync(batch, impatient.Token));
        var results = await writer.SendAsync(batch, CancellationToken.None);

        Assert.All(results, r => Assert.True(r.Accepted && r.Created));
        Assert.Equal(2, proxy.Requests); // the capabilities were asked once, by the first send, for both
    }

    [Fact]
    public async System.Threading.Tasks.Task Prepare_asks_the_capabilities_before_the_first_send_which_does_not_ask_again()
    {
        await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, _ => FaultKind.None, TimeSpan.Zero);
        var identity = new ClinicIdentity($"https://clinic.test/sid/{Guid.NewGuid():N}");
        await using var writer = Writer(identity, proxy.BaseUrl);

        writer.Prepare();
        await RequestsAsync(proxy, 1);
        writer.Prepare();
        var results = await writer.SendAsync(Enumerable.Range(1, 3).Select(i => Item(identity, $"P-{i}", gender: "male")).ToList(), CancellationToken.None);

        Assert.All(results, r => Assert.True(r.Accepted && r.Created));
        Assert.Equal(2, proxy.Requests); // the CapabilityStatement, asked once before the send, and the transaction
    }

    [Fact]
    public async System.Threading.Tasks.Task A_prepared_question_that_failed_is_met_by_the_first_send_and_asked_again_by_the_next()
    {
        var failing = 1;
        await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, _ => Volatile.Read(ref failing) == 1 ? FaultKind.DropConnection : FaultKind.None, TimeSpan.Zero);
        var identity = new ClinicIdentity($"https://clinic.test/sid/{Guid.NewGuid():N}");
        await using var writer = Writer(identity, proxy.BaseUrl);
        var batch = Enumerable.Range(1, 3).Select(i => Item(identity, $"P-{i}", gender: "male")).ToList();

        // The question fails every attempt (two, as configured) before the first send comes.
        writer.Prepare();
        await RequestsAsync(proxy, 2);
        await System.Threading.Tasks.Task.Delay(500);
        await Assert.ThrowsAsync<DestinationUnavailableException>(() => writer.SendAsync(batch, CancellationToken.None));
        Assert.Equal(2, proxy.Requests); // the send met the failure: it did not ask again, and sent nothing

        Volatile.Write(ref failing, 0);
        var results = await writer.SendAsync(batch, CancellationToken.None);

        Assert.All(results, r => Assert.True(r.Accepted && r.Created));
        Assert.Equal(4, proxy.Requests); // the CapabilityStatement asked again, and the transaction
    }

    /// <summary>Waits (at most 30 s) until the proxy has seen <paramref name="count"/> requests.</summary>
    private static async System.Threading.Tasks.Task RequestsAsync(FaultProxy proxy, int count)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (proxy.Requests < count && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await System.Threading.Tasks.Task.Delay(20);
        }

        Assert.Equal(count, proxy.Requests);
    }

    private IDestinationWriter Writer(ClinicIdentity identity, Uri? baseUrl = null, BundleMode mode = BundleMode.Auto)
    {
        var destination = FhirDestination.At(baseUrl ?? server.BaseUrl, identity, mode);
        _destinations.Add(destination);
        return destination.Writer();
    }

    private static ChangeSetItem Item(ClinicIdentity identity, string id, string gender)
    {
        var key = new ResourceKey("Patient", id);
        var patient = new Patient();
        patient.Identifier.Add(identity.IdentifierFor(key));
        var json = FhirJson.Serialize(patient).Replace("\"resourceType\":\"Patient\",", $"\"resourceType\":\"Patient\",\"gender\":\"{gender}\",", StringComparison.Ordinal);
        return new ChangeSetItem(new MappedResource(key, id, patient, []), json, FhirJson.Hash(json), ChangeKind.New);
    }
}
