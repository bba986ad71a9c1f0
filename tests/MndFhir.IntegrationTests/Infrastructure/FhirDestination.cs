using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MndFhir.Identity;
using MndFhir.Sync;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;

namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>
/// One FHIR REST destination "test" at a base URL, with the services the CLI builds (IHttpClientFactory's named client,
/// the authentication handler and the resilience pipeline): its client and writer, as a sync uses them.
/// </summary>
internal sealed class FhirDestination : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private FhirDestination(ServiceProvider services)
    {
        _services = services;
    }

    public ClinicIdentity Identity => _services.GetRequiredService<ClinicIdentity>();

    public static FhirDestination At(Uri baseUrl, ClinicIdentity identity, BundleMode mode = BundleMode.Auto, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Clinic:IdentifierSystem"] = identity.IdentifierBase,
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Database:ConnectionString"] = "Data Source=:memory:",
            ["Destinations:0:Name"] = "test",
            ["Destinations:0:Kind"] = "FhirRest",
            ["Destinations:0:BaseUrl"] = baseUrl.ToString(),
            ["Destinations:0:BundleMode"] = mode.ToString(),
            ["Destinations:0:RetryAttempts"] = "2",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            values[k] = v;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning)).AddMndFhirSync(configuration, Path.GetTempPath()).BuildServiceProvider();
        return new FhirDestination(services);
    }

    public FhirServerClient Client() => _services.GetRequiredService<FhirServerClientFactory>().Create("test");

    public IDestinationWriter Writer() =>
        _services.GetRequiredService<IDestinationWriterFactory>().Create(_services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SyncSettings>>().Value.Find("test"), 1, DateTimeOffset.UtcNow);

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
