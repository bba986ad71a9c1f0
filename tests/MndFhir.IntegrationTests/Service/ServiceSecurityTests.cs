using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Service;
using MndFhir.Service.Api;
using MndFhir.Sync.Configuration;
using Serilog;

namespace MndFhir.IntegrationTests.Service;

/// <summary>
/// The service lets no one in by mistake (issue 10, item 6), tried from the outside over loopback: every way of
/// binding goes through one check, the dashboard needs what the API needs, forwarded headers count only from known
/// proxies, no cross-origin request changes anything, every answer carries the security headers.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed partial class ServiceSecurityTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-sec-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _keyVariable = "MNDFHIR_TEST_API_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    public ServiceSecurityTests() => Directory.CreateDirectory(_folder);

    [Theory]
    [InlineData("--urls", "http://0.0.0.0:0")]
    [InlineData("Service:Urls", "http://[::]:0")]
    [InlineData("Urls", "http://*:0")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:0")]
    [InlineData("Kestrel:Endpoints:Public:Url", "http://+:0")]
    public async Task Every_way_of_binding_beyond_loopback_without_a_key_is_refused_before_the_address_is_bound(string key, string url)
    {
        var settings = new Dictionary<string, string?>();
        if (key != "--urls")
        {
            settings[key] = url;
        }

        await using var app = Build(settings, key == "--urls" ? url : null);

        var error = await Assert.ThrowsAsync<UnguardedApiException>(() => StartAsync(app));

        Assert.Matches(@"^Listening on (0\.0\.0\.0|\[::\]):0 \(beyond loopback\) needs an API key: set the environment variable " + _keyVariable, error.Message);
        Assert.DoesNotContain(ServiceHost.Addresses(app), a => !a.Contains("127.0.0.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_loopback_address_bound_before_a_refused_one_is_released()
    {
        var port = FreeLoopbackPort();
        await using var app = Build(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Local:Url"] = $"http://127.0.0.1:{port}",
            ["Kestrel:Endpoints:Public:Url"] = "http://0.0.0.0:0",
        });

        await Assert.ThrowsAsync<UnguardedApiException>(() => StartAsync(app));

        using var probe = new TcpListener(IPAddress.Loopback, port);
        probe.Start();
        probe.Stop();
    }

    [Theory]
    [InlineData("short")]
    [InlineData("0123456789abcdef0123456789abcde")]
    public void An_api_key_shorter_than_32_bytes_is_refused_naming_its_variable(string key)
    {
        Environment.SetEnvironmentVariable(_keyVariable, key);

        var error = Assert.Throws<ConfigurationException>(() => Build(new Dictionary<string, string?>()));

        Assert.Equal($"The API key in {_keyVariable} is {key.Length} bytes long; it needs at least 32 (for example the output of 'openssl rand -base64 32').", error.Message);
    }

    [Fact]
    public async Task With_a_key_the_dashboard_needs_it_as_the_api_does_and_a_cross_origin_post_is_refused_even_with_it()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Environment.SetEnvironmentVariable(_keyVariable, key);
        await using var app = Build(new Dictionary<string, string?>());
        using var http = await StartClientAsync(app);

        var anonymous = await http.GetAsync(new Uri("/hangfire", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/hangfire/recurring", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, "/hangfire", new AuthenticationHeaderValue("Basic", Basic(key[..^1])))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, "/hangfire", new AuthenticationHeaderValue("Basic", Basic(key)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, "/hangfire/recurring", new AuthenticationHeaderValue("Bearer", key))).StatusCode);

        // The API takes the key in a header only, never as a cached browser credential.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, "/api/runs", new AuthenticationHeaderValue("Basic", Basic(key)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, "/api/runs", new AuthenticationHeaderValue("Bearer", key))).StatusCode);

        var crossOrigin = await SendAsync(http, HttpMethod.Post, "/hangfire/recurring/trigger", new AuthenticationHeaderValue("Basic", Basic(key)), "http://evil.example", form: "jobs%5B%5D=sync-files");
        Assert.Equal(HttpStatusCode.Forbidden, crossOrigin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, "/api/run", new AuthenticationHeaderValue("Bearer", key), "http://evil.example")).StatusCode);
        Assert.Equal(0, StartedJobs());
    }

    [Fact]
    public async Task Without_a_key_a_cross_origin_post_is_refused_and_a_dashboard_post_needs_its_antiforgery_token()
    {
        await using var app = Build(new Dictionary<string, string?>());
        var cookies = new CookieContainer();
        using var http = await StartClientAsync(app, cookies);

        // A page in the operator's browser posting to the loopback service: no credentials needed, so the origin decides.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, "/api/run", null, "http://evil.example")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, "/api/destinations/files/sync", null, "null")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, "/hangfire/recurring/trigger", null, "http://evil.example", form: "jobs%5B%5D=sync-files")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, "/hangfire/recurring/trigger", null, fetchSite: "cross-site", form: "jobs%5B%5D=sync-files")).StatusCode);

        // Same origin but no anti-forgery token (a form on another site that hides its origin, a script): Hangfire refuses it.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, "/hangfire/recurring/trigger", null, form: "jobs%5B%5D=sync-files")).StatusCode);
        Assert.Equal(0, StartedJobs());

        // The dashboard's own page carries the token; with it (and its cookie) the same POST triggers the sync.
        var page = await http.GetStringAsync(new Uri("/hangfire/recurring", UriKind.Relative));
        var token = CsrfToken().Match(page).Groups[1].Value;
        using var trigger = new HttpRequestMessage(HttpMethod.Post, "/hangfire/recurring/trigger") { Content = new StringContent("jobs%5B%5D=sync-files", Encoding.UTF8, "application/x-www-form-urlencoded") };
        trigger.Headers.Add("RequestVerificationToken", token);
        trigger.Headers.Add("Origin", http.BaseAddress!.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(trigger)).StatusCode);
        var run = await FinishedRunAsync(app, "files");
        Assert.Equal(("scheduled", SyncOutcome.Succeeded), (run.Trigger, run.Outcome));
    }

    [Fact]
    public async Task Without_a_key_only_local_callers_are_served_and_a_relayed_or_rebound_request_is_not_local()
    {
        await using var app = Build(new Dictionary<string, string?>());
        using var http = await StartClientAsync(app);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/api/runs", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/hangfire", UriKind.Relative))).StatusCode);
        foreach (var path in new[] { "/api/runs", "/hangfire" })
        {
            // A reverse proxy on this host relays a remote caller: its connection is local, the caller is not.
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Get, path, headers: new() { ["X-Forwarded-For"] = "203.0.113.7" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Get, path, headers: new() { ["Forwarded"] = "for=203.0.113.7" })).StatusCode);

            // DNS rebinding: a page of rebind.example whose name now points at 127.0.0.1.
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Get, path, headers: new() { ["Host"] = "rebind.example:" + http.BaseAddress!.Port })).StatusCode);
        }
    }

    [Fact]
    public async Task Forwarded_headers_count_only_from_a_configured_proxy()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Environment.SetEnvironmentVariable(_keyVariable, key);
        var relayed = new Dictionary<string, string> { ["X-Forwarded-For"] = "203.0.113.7", ["X-Forwarded-Proto"] = "https" };

        await using (var unproxied = Build(new Dictionary<string, string?>()))
        {
            using var http = await StartClientAsync(unproxied);
            var answer = await SendAsync(http, HttpMethod.Get, "/api/runs", new AuthenticationHeaderValue("Bearer", key), headers: relayed);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.False(answer.Headers.Contains("Strict-Transport-Security"), "X-Forwarded-Proto from an unknown proxy was believed");
            await unproxied.StopAsync();
        }

        await using var proxied = Build(new Dictionary<string, string?> { ["Service:KnownProxies:0"] = "127.0.0.1" });
        using var client = await StartClientAsync(proxied);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(client, HttpMethod.Get, "/hangfire", headers: relayed)).StatusCode);
        var believed = await SendAsync(client, HttpMethod.Get, "/api/runs", new AuthenticationHeaderValue("Bearer", key), headers: relayed);
        Assert.Equal(HttpStatusCode.OK, believed.StatusCode);
        Assert.Equal("max-age=31536000", believed.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Fact]
    public void A_known_proxy_that_is_not_an_ip_address_is_a_configuration_error_naming_its_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => Build(new Dictionary<string, string?> { ["Service:KnownProxies:0"] = "proxy.hospital.example" }));

        // Checked with the rest of the configuration (ServiceOptions.Validate), as every command checks it.
        Assert.Equal("the configuration has a problem: Service:KnownProxies:0: 'proxy.hospital.example' is not an IP address (the address the reverse proxy connects from)", error.Message);
    }

    [Fact]
    public async Task Every_answer_carries_the_security_headers()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Environment.SetEnvironmentVariable(_keyVariable, key);
        await using var app = Build(new Dictionary<string, string?>());
        using var http = await StartClientAsync(app);
        var bearer = new AuthenticationHeaderValue("Bearer", key);

        var answers = new Dictionary<string, HttpResponseMessage>
        {
            ["health"] = await http.GetAsync(new Uri("/health", UriKind.Relative)),
            ["api"] = await SendAsync(http, HttpMethod.Get, "/api/status", bearer),
            ["api 401"] = await http.GetAsync(new Uri("/api/status", UriKind.Relative)),
            ["404"] = await http.GetAsync(new Uri("/no-such-page", UriKind.Relative)),
            ["dashboard"] = await SendAsync(http, HttpMethod.Get, "/hangfire", bearer),
            ["dashboard 401"] = await http.GetAsync(new Uri("/hangfire/jobs/enqueued", UriKind.Relative)),
        };

        Assert.Equal(HttpStatusCode.OK, answers["api"].StatusCode);
        Assert.Equal(HttpStatusCode.OK, answers["dashboard"].StatusCode);
        foreach (var (what, answer) in answers)
        {
            Assert.True(answer.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Single() == "nosniff", what);
            Assert.True(answer.Headers.TryGetValues("Referrer-Policy", out var referrer) && referrer.Single() == "no-referrer", what);
            Assert.True(answer.Headers.TryGetValues("X-Frame-Options", out var frame) && frame.Single() == "DENY", what);
            Assert.True(answer.Headers.TryGetValues("Content-Security-Policy", out var csp) && csp.Single().Contains("frame-ancestors 'none'", StringComparison.Ordinal), what);
            Assert.True(answer.Headers.CacheControl?.NoStore, what);
            Assert.False(answer.Headers.Contains("Strict-Transport-Security"), what + ": HSTS over plain http");
        }

        Assert.StartsWith("default-src 'none'", answers["api"].Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var dashboardPolicy = answers["dashboard"].Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", dashboardPolicy, StringComparison.Ordinal);

        // The policy allows what the dashboard's page loads: its own scripts and styles, no inline script.
        var page = await answers["dashboard"].Content.ReadAsStringAsync();
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=""/hangfire/)", page);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_keyVariable, null);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();

    private WebApplication Build(Dictionary<string, string?> settings, string? urls = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Database:ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db"),
            ["Hangfire:Storage"] = "InMemory",
            ["Service:ApiKeyVariable"] = _keyVariable,
            ["Destinations:0:Name"] = "files",
            ["Destinations:0:Kind"] = "NdjsonFolder",
            ["Destinations:0:Folder"] = Path.Combine(_folder, "out"),
            ["Destinations:0:Schedule"] = "0 2 * * *",
        };
        foreach (var (k, v) in settings)
        {
            values[k] = v;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return ServiceHost.Build(configuration, _folder, urls ?? (settings.Keys.Any(k => k.Contains("Urls", StringComparison.Ordinal) || k.StartsWith("Kestrel", StringComparison.Ordinal)) ? null : "http://127.0.0.1:0"), new LoggerConfiguration().CreateLogger());
    }

    private static async Task StartAsync(WebApplication app)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await ServiceHost.PrepareAsync(app.Services, cts.Token);
        await app.StartAsync(cts.Token);
    }

    private static async Task<HttpClient> StartClientAsync(WebApplication app, CookieContainer? cookies = null)
    {
        await StartAsync(app);
        var address = new Uri(ServiceHost.Addresses(app).Single());
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(address.Host)));
#pragma warning disable CA2000 // the client owns its handler and disposes it
        return new HttpClient(new SocketsHttpHandler { CookieContainer = cookies ?? new CookieContainer(), UseCookies = cookies is not null, AllowAutoRedirect = false }, disposeHandler: true)
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromMinutes(1),
        };
#pragma warning restore CA2000
    }

    private static async Task<HttpResponseMessage> SendAsync(
        HttpClient http, HttpMethod method, string path, AuthenticationHeaderValue? authorization = null, string? origin = null, string? fetchSite = null, string? form = null, Dictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = authorization;
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        foreach (var (name, value) in headers ?? [])
        {
            if (name == "Host")
            {
                request.Headers.Host = value;
            }
            else
            {
                request.Headers.Add(name, value);
            }
        }

        if (form is not null || method == HttpMethod.Post)
        {
            request.Content = new StringContent(form ?? string.Empty, Encoding.UTF8, "application/x-www-form-urlencoded");
        }

        var answer = await http.SendAsync(request);
        await answer.Content.LoadIntoBufferAsync();
        return answer;
    }

    private static string Basic(string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:" + password));

    /// <summary>Every job Hangfire was ever given in this process's storage: enqueued, scheduled, running or done.</summary>
    private static long StartedJobs()
    {
        var stats = JobStorage.Current.GetMonitoringApi().GetStatistics();
        return stats.Enqueued + stats.Processing + stats.Succeeded + stats.Failed + stats.Scheduled;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<SyncRun> FinishedRunAsync(WebApplication app, string destination)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var contexts = app.Services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>();
        while (true)
        {
            await Task.Delay(200, cts.Token);
            await using var db = await contexts.CreateDbContextAsync(cts.Token);
            if (await db.SyncRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Destination == destination, cts.Token) is { FinishedAt: not null } run)
            {
                return run;
            }
        }
    }
}
