using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.Mapping;
using MndFhir.Serialization;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;

namespace MndFhir.IntegrationTests.Delivery;

/// <summary>
/// The batch size follows the time of the attempt the real FHIR server answered (through a fault-injecting proxy on
/// loopback): a slow answer shrinks it; timeouts, dropped connections and 5xx retried before an answer do not.
/// </summary>
public sealed class AdaptiveBatchSizeTests(FhirTestServer server) : IClassFixture<FhirTestServer>
{
    private const int Configured = 20;

    [Fact]
    public async System.Threading.Tasks.Task Timeouts_dropped_connections_and_server_errors_retried_before_the_answer_do_not_shrink_the_batch()
    {
        // The first attempt is held past the timeout, the second loses its connection, the third gets a 500; the fourth
        // is answered. The batch took seconds in all, the answer itself a fraction of one.
        // A 4 s timeout (the aim a quarter of it) leaves a loaded machine's server up to 2 s for the answered attempt.
        var faults = new[] { FaultKind.Timeout, FaultKind.DropConnection, FaultKind.ServerError };
        await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, n => n <= faults.Length ? faults[n - 1] : FaultKind.None, TimeSpan.FromSeconds(5));
        var (sizes, results, elapsed) = await SendAsync(proxy, timeoutSeconds: 4);

        Assert.Equal(faults.Length + 1, proxy.Requests);
        Assert.All(faults, f => Assert.Equal(1, proxy.Injected.GetValueOrDefault(f)));
        Assert.All(results, r => Assert.True(r.Accepted));

        // Judged by the whole batch (a timeout, the retries' waits and the answer: over 4 s), the next batch would be a
        // few resources; judged by the answered attempt, it stays as configured, or near it where a loaded machine
        // slowed the server's answer itself.
        var byWholeBatch = (int)Math.Clamp(1000 / (elapsed.TotalMilliseconds / Configured), 1, Configured);
        Assert.True(elapsed > TimeSpan.FromSeconds(4), $"the batch took {elapsed}: the timeout did not happen");
        Assert.True(sizes.Current > 2 * byWholeBatch, $"next batch {sizes.Current}, as the whole batch's {elapsed} would make it: {byWholeBatch}");
    }

    [Fact]
    public async System.Threading.Tasks.Task A_slow_server_that_answers_shrinks_the_batch()
    {
        // Answered after 2.5 s (and the server's own time), at least two and a half times the aim of a quarter of the 4 s
        // timeout: the next batches are at most half the size. The timeout leaves the server 1.5 s for its own part of
        // the answer, so a loaded CI machine does not turn the slow answer into a timeout and a retry.
        await using var proxy = await FaultProxy.StartAsync(server.BaseUrl, _ => FaultKind.SlowAnswer, TimeSpan.FromSeconds(2.5));
        var (sizes, results, _) = await SendAsync(proxy, timeoutSeconds: 4);

        Assert.Equal(1, proxy.Requests);
        Assert.All(results, r => Assert.True(r.Accepted));
        Assert.InRange(sizes.Current, 1, Configured / 2);
    }

    private static async Task<(AdaptiveBatchSize Sizes, IReadOnlyList<DeliveryResult> Results, TimeSpan Elapsed)> SendAsync(FaultProxy proxy, int timeoutSeconds = 2)
    {
        var identity = new ClinicIdentity($"https://clinic.test/sid/{Guid.NewGuid():N}");
        await using var destination = FhirDestination.At(proxy.BaseUrl, identity, BundleMode.Transaction, new Dictionary<string, string?>
        {
            ["Destinations:0:TimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Destinations:0:RetryAttempts"] = "6",
            ["Destinations:0:BatchSize"] = Configured.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var writer = destination.Writer();
        var sizes = new AdaptiveBatchSize(Configured, TimeSpan.FromSeconds(timeoutSeconds), adapts: true);
        writer.ReportAnswerTimes(sizes);
        var batch = Enumerable.Range(1, Configured).Select(i => Item(identity, $"P-{i}")).ToList();

        var timer = System.Diagnostics.Stopwatch.StartNew();
        var results = await writer.SendAsync(batch, CancellationToken.None);
        return (sizes, results, timer.Elapsed);
    }

    private static ChangeSetItem Item(ClinicIdentity identity, string id)
    {
        var key = new ResourceKey("Patient", id);
        var patient = new Patient { Gender = AdministrativeGender.Female };
        patient.Identifier.Add(identity.IdentifierFor(key));
        var json = FhirJson.Serialize(patient);
        return new ChangeSetItem(new MappedResource(key, id, patient, []), json, FhirJson.Hash(json), ChangeKind.New);
    }
}
