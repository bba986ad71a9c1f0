using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback HTTP proxy in front of the real FHIR test server that injects the faults a real network and server
/// produce (5xx, 429 with Retry-After, timeouts, dropped connections, answers lost after the server committed, 200s that
/// are not FHIR) on
/// the requests a plan picks. Everything else passes through unchanged. Counts what it injected.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromMinutes(2) };
    private readonly ConcurrentDictionary<FaultKind, int> _injected = new();
    private int _requests;

    private FaultProxy(WebApplication app, Uri upstream, Func<int, FaultKind> plan, TimeSpan hold)
    {
        _app = app;
        Upstream = upstream;
        Plan = plan;
        Hold = hold;
    }

    public Uri Upstream { get; }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Chooses the fault for the n-th request (1-based).</summary>
    public Func<int, FaultKind> Plan { get; set; }

    public TimeSpan Hold { get; }

    public int Requests => _requests;

    public IReadOnlyDictionary<FaultKind, int> Injected => _injected;

    public int InjectedTotal => _injected.Values.Sum();

    /// <summary>
    /// When set, a request without <c>Authorization: Bearer {RequiredBearer}</c> is answered 401 with an OperationOutcome,
    /// as a server does when a token expired or was revoked (the test server itself has no authentication).
    /// </summary>
    public string? RequiredBearer { get; set; }

    public int Unauthorized => _unauthorized;

    private int _unauthorized;

    /// <summary>Behave as a server without transactions: its CapabilityStatement offers batch only and it refuses transactions.</summary>
    public bool TransactionsUnsupported { get; set; }

    public int TransactionsRefused => _transactionsRefused;

    private int _transactionsRefused;

    public static async Task<FaultProxy> StartAsync(Uri upstream, Func<int, FaultKind> plan, TimeSpan hold)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var proxy = new FaultProxy(app, upstream, plan, hold);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        proxy.BaseUrl = new Uri(address.TrimEnd('/') + upstream.AbsolutePath);
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var n = Interlocked.Increment(ref _requests);
        var fault = Plan(n);
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var requestBody = buffer.ToArray();
        if (RequiredBearer is { } token && context.Request.Headers.Authorization != $"Bearer {token}")
        {
            Interlocked.Increment(ref _unauthorized);
            context.Response.StatusCode = 401;
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            context.Response.ContentType = "application/fhir+json";
            await context.Response.WriteAsync("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"login\",\"diagnostics\":\"The access token expired\"}]}");
            return;
        }

        if (TransactionsUnsupported)
        {
            if (context.Request.Method == "GET" && context.Request.Path.Value!.EndsWith("/metadata", StringComparison.Ordinal))
            {
                context.Response.ContentType = "application/fhir+json";
                await context.Response.WriteAsync("{\"resourceType\":\"CapabilityStatement\",\"status\":\"active\",\"kind\":\"instance\",\"fhirVersion\":\"4.0.1\",\"format\":[\"json\"],\"rest\":[{\"mode\":\"server\",\"interaction\":[{\"code\":\"batch\"}]}]}");
                return;
            }

            if (System.Text.Encoding.UTF8.GetString(requestBody).Contains("\"type\":\"transaction\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _transactionsRefused);
                context.Response.StatusCode = 400;
                context.Response.ContentType = "application/fhir+json";
                await context.Response.WriteAsync("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"not-supported\",\"diagnostics\":\"transactions are not supported\"}]}");
                return;
            }
        }

        if (fault != FaultKind.None)
        {
            _injected.AddOrUpdate(fault, 1, (_, c) => c + 1);
        }

        switch (fault)
        {
            case FaultKind.ServerError:
                context.Response.StatusCode = 500;
                await context.Response.WriteAsync("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"fatal\",\"code\":\"exception\"}]}");
                return;
            case FaultKind.TooManyRequests:
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "1";
                return;
            case FaultKind.Timeout:
                await Task.Delay(Hold, CancellationToken.None);
                context.Abort();
                return;
            case FaultKind.DropConnection:
                context.Abort();
                return;
            case FaultKind.HtmlPage:
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync("<!DOCTYPE html><html><head><title>Sign in</title></head><body><form method=\"post\"></form></body></html>");
                return;
            case FaultKind.NotABundle:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"status\":\"accepted\"}");
                return;
            case FaultKind.SlowAnswer:
                await Task.Delay(Hold, CancellationToken.None);
                break;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(Upstream.GetLeftPart(UriPartial.Authority) + context.Request.Path + context.Request.QueryString));
        if (requestBody.Length > 0)
        {
            forward.Content = new ByteArrayContent(requestBody);
            if (context.Request.ContentType is { } type)
            {
                forward.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        using var answer = await _upstream.SendAsync(forward);
        var bytes = await answer.Content.ReadAsByteArrayAsync();
        if (fault == FaultKind.LoseResponse)
        {
            // The server has committed the request; the client never hears of it.
            context.Abort();
            return;
        }

        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var header in new[] { "Location", "ETag" })
        {
            if (answer.Headers.TryGetValues(header, out var values))
            {
                context.Response.Headers[header] = values.ToArray();
            }
        }

        context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
        await context.Response.Body.WriteAsync(bytes);
    }
}
