using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;
using Polly;
using Polly.Timeout;

namespace MndFhir.Sync.Tests.Delivery;

/// <summary>The resilience pipeline of a FHIR destination, on a fake clock: how long a server that never answers is waited for.</summary>
public sealed class ResiliencePipelineTests
{
    [Theory]
    [InlineData(60, 120, 120)] // the defaults: given up after RetryMaxSeconds (before: 180 s, RetryMaxSeconds + TimeoutSeconds)
    [InlineData(10, 45, 45)]
    [InlineData(300, 120, 300)] // one attempt always has its TimeoutSeconds
    public async Task A_server_that_never_answers_is_given_up_after_RetryMaxSeconds(int timeoutSeconds, int retryMaxSeconds, int givenUpAfter)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        FhirServerClientFactory.Configure(
            builder,
            new DestinationOptions { Name = "silent", Kind = DestinationKind.FhirRest, TimeoutSeconds = timeoutSeconds, RetryMaxSeconds = retryMaxSeconds, RetryAttempts = 20 },
            clock,
            NullLogger.Instance);
        var pipeline = builder.Build();
        var start = clock.GetUtcNow();

        // An attempt that never ends unless the pipeline gives it up.
        var sending = pipeline.ExecuteAsync<HttpResponseMessage>(async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        }).AsTask();
        while (!sending.IsCompleted && clock.GetUtcNow() - start < TimeSpan.FromSeconds(1000))
        {
            // One second at a time, with time for the pipeline's continuations (retry delays, new attempts) to run.
            await Task.Delay(5);
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => sending);
        Assert.InRange((clock.GetUtcNow() - start).TotalSeconds, givenUpAfter, givenUpAfter + 1);
    }
}
