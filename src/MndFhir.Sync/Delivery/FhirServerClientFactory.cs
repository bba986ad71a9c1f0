using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery.Authentication;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// Makes the <see cref="FhirServerClient"/> of a destination from IHttpClientFactory's named client of that destination:
/// a pooled SocketsHttpHandler with the destination's TLS settings (<see cref="DestinationTls"/>: client certificate,
/// server CAs), the authentication handler, and the resilience pipeline of
/// Microsoft.Extensions.Http.Resilience (retries with exponential backoff, jitter and the server's Retry-After; a
/// timeout per attempt and one for all attempts; a circuit breaker), all on the injected TimeProvider; and, inside the
/// pipeline, the <see cref="AttemptTimer"/> that times each attempt the server answered.
/// </summary>
public sealed class FhirServerClientFactory(IHttpClientFactory http, IOptions<SyncSettings> settings, Pseudonymisation.DestinationIdentities identities, ILoggerFactory loggers)
{
    public static string HttpClientName(string destination) => "fhir:" + destination.ToLowerInvariant();

    public FhirServerClient Create(string destination)
    {
        var options = settings.Value.Find(destination);
        if (options.Kind != DestinationKind.FhirRest)
        {
            throw new ConfigurationException($"Destination '{options.Name}' writes files ({options.Kind}); it has no FHIR server.");
        }

        return new FhirServerClient(http.CreateClient(HttpClientName(options.Name)), options.Name, identities.For(options), loggers.CreateLogger<FhirServerClient>());
    }

    /// <summary>
    /// Registers the named HttpClient of every destination in <paramref name="configuration"/>'s Destinations section; its
    /// settings are read from <see cref="SyncSettings"/> when the client is first made (after the options were validated).
    /// </summary>
    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<FhirServerClientFactory>();
        services.AddSingleton<SmartTokenSource>();
        services.AddHttpClient();
        var names = configuration.GetSection(SyncSettings.Section).GetChildren().Select(d => d["Name"]).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            services.AddHttpClient(SmartTokenSource.HttpClientName(name))
                .ConfigurePrimaryHttpMessageHandler(sp => DestinationTls.CreateHandler(sp.GetRequiredService<IOptions<SyncSettings>>().Value.Find(name)))
                .ConfigureHttpClient((sp, client) =>
                {
                    client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<SyncSettings>>().Value.Find(name).TimeoutSeconds);
                    client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("MndFhir", "1.0"));
                });
            var fhir = services.AddHttpClient(HttpClientName(name));
            fhir
                .ConfigurePrimaryHttpMessageHandler(sp => DestinationTls.CreateHandler(sp.GetRequiredService<IOptions<SyncSettings>>().Value.Find(name)))
                .ConfigureHttpClient((sp, client) =>
                {
                    var destination = sp.GetRequiredService<IOptions<SyncSettings>>().Value.Find(name);
                    var baseUrl = destination.BaseUrl?.ToString() ?? "http://127.0.0.1/";
                    client.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
                    client.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline times each attempt and the whole
                    client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("MndFhir", "1.0"));
                })
                .AddHttpMessageHandler(sp => new DestinationAuthHandler(sp.GetRequiredService<IOptions<SyncSettings>>().Value.Find(name), sp.GetRequiredService<SmartTokenSource>()))
                .AddResilienceHandler("fhir", (pipeline, context) =>
                {
                    var destination = context.ServiceProvider.GetRequiredService<IOptions<SyncSettings>>().Value.Find(name);
                    var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger<FhirServerClient>();
                    Configure(pipeline, destination, context.ServiceProvider.GetRequiredService<TimeProvider>(), logger);
                });

            // Added after the resilience handler, so inside it: it sees each attempt.
            fhir.AddHttpMessageHandler(sp => new AttemptTimer(sp.GetRequiredService<TimeProvider>()));
        }
    }

    /// <summary>
    /// Total timeout (RetryMaxSeconds, as docs/operations.md says, or one attempt's TimeoutSeconds when that is longer:
    /// an attempt is never cut short of its own timeout), then retries of transient failures (connection errors, attempt timeouts, 408, 429, 5xx) honouring
    /// Retry-After, then a circuit breaker (half the calls of the last minute failing, at least ten: 30 s pause), then
    /// the timeout of one attempt. Other answers (2xx, 4xx) pass straight through to the client, which classifies them.
    /// </summary>
    internal static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, DestinationOptions destination, TimeProvider clock, ILogger logger)
    {
        pipeline.TimeProvider = clock;
        var transient = new PredicateBuilder<HttpResponseMessage>()
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>()
            .HandleResult(r => r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)r.StatusCode >= 500);
        pipeline.AddTimeout(new TimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(Math.Max(destination.RetryMaxSeconds, destination.TimeoutSeconds)) });

        // RetryAttempts 1: one attempt, no retries (Polly refuses a retry strategy of none).
        if (destination.RetryAttempts > 1)
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = destination.RetryAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = TimeSpan.FromSeconds(Math.Min(60, destination.RetryMaxSeconds)),
                ShouldRetryAfterHeader = true,
                OnRetry = args =>
                {
                    logger.LogWarning(
                        "{Destination}: {Failure}, attempt {Attempt} of {MaxAttempts}; retrying in {DelayMs:0} ms",
                        destination.Name,
                        args.Outcome.Result is { } r ? $"answered HTTP {(int)r.StatusCode}"
                            : args.Outcome.Exception switch
                            {
                                HttpRequestException { HttpRequestError: var error } => $"no connection ({error})",
                                TimeoutRejectedException => $"no answer within {destination.TimeoutSeconds} s",
                                _ => "no answer",
                            },
                        args.AttemptNumber + 1,
                        destination.RetryAttempts,
                        args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }

        pipeline
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = transient,
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromMinutes(1),
                BreakDuration = TimeSpan.FromSeconds(30),
            })
            .AddTimeout(new TimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(destination.TimeoutSeconds) });
    }
}
