using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Service;
using Serilog;

namespace MndFhir.IntegrationTests.Service;

/// <summary>
/// The service as `mndfhir serve` builds it, on a real Kestrel at 127.0.0.1 and a free port, with a SQLite database in a
/// temporary folder, two NDJSON destinations (a hospital and a consent-scoped registry) and, when asked, an API key.
/// </summary>
internal sealed class RunningService : IAsyncDisposable
{
    private readonly string? _keyVariable;

    private RunningService(string folder, WebApplication app, Uri address, string? keyVariable, string? key)
    {
        Folder = folder;
        App = app;
        Address = address;
        _keyVariable = keyVariable;
        Key = key;
    }

    public string Folder { get; }

    public WebApplication App { get; }

    public Uri Address { get; }

    /// <summary>The API key the service requires, or null when it runs without one (loopback only).</summary>
    public string? Key { get; }

    public static IReadOnlyDictionary<string, string?> Configuration(string folder) => new Dictionary<string, string?>
    {
        ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
        ["Clinic:ExportPath"] = Path.Combine(RepositoryPaths.Samples, "clinic-export"),
        ["Database:Provider"] = "Sqlite",
        ["Database:ConnectionString"] = "Data Source=" + Path.Combine(folder, "mndfhir.db"),
        ["Logging:Folder"] = Path.Combine(folder, "logs"),
        ["Hangfire:Storage"] = "InMemory",
        ["Destinations:0:Name"] = "hospital-files",
        ["Destinations:0:Kind"] = "NdjsonFolder",
        ["Destinations:0:Folder"] = Path.Combine(folder, "hospital"),
        ["Destinations:1:Name"] = "registry-files",
        ["Destinations:1:Kind"] = "NdjsonFolder",
        ["Destinations:1:Folder"] = Path.Combine(folder, "registry"),
        ["Destinations:1:RequiresRegistryConsent"] = "true",
    };

    public static async Task<RunningService> StartAsync(string folder, bool withKey, ILogger logger, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var settings = new Dictionary<string, string?>(Configuration(folder));
        string? variable = null, key = null;
        if (withKey)
        {
            variable = "MNDFHIR_TEST_API_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
            key = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
            Environment.SetEnvironmentVariable(variable, key);
            settings["Service:ApiKeyVariable"] = variable;
        }

        var app = ServiceHost.Build(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), folder, "http://127.0.0.1:0", logger);
        await ServiceHost.PrepareAsync(app.Services, ct);
        await app.StartAsync(ct);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return new RunningService(folder, app, address, variable, key);
    }

    /// <summary>A client that presents the key when the service has one.</summary>
    public HttpClient Client(bool withKey = true)
    {
        var http = new HttpClient { BaseAddress = Address };
        if (withKey && Key is not null)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", Key);
        }

        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (_keyVariable is not null)
        {
            Environment.SetEnvironmentVariable(_keyVariable, null);
        }
    }
}
