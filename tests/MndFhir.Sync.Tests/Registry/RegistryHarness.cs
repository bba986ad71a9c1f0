using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;

namespace MndFhir.Sync.Tests.Registry;

/// <summary>
/// A pseudonymised NDJSON registry destination over a real SQLite file: the services as the CLI builds them, made again
/// for each configuration change (a policy, a key), on the same database and folder.
/// </summary>
internal sealed class RegistryHarness : IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    public RegistryHarness()
    {
        Directory.CreateDirectory(Export);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "mndfhir-registry-" + Guid.NewGuid().ToString("N")[..12]);

    public string Export => Path.Combine(Folder, "export");

    public string Output => Path.Combine(Folder, "registry");

    /// <summary>A fresh environment variable holding a fresh 48-character key; returns its name.</summary>
    public static string NewKeyVariable()
    {
        var name = "MNDFHIR_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(name, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(36)));
        return name;
    }

    public async Task<ServiceProvider> ServicesAsync(string keyVariable, string policy = "Retract", string? previousKeyVariable = null, int dateShiftDays = 30)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Database:ConnectionString"] = "Data Source=" + Path.Combine(Folder, "test.db"),
            ["Destinations:0:Name"] = "registry",
            ["Destinations:0:Kind"] = "NdjsonFolder",
            ["Destinations:0:Folder"] = Output,
            ["Destinations:0:RequiresRegistryConsent"] = "true",
            ["Destinations:0:Pseudonymise"] = "true",
            ["Destinations:0:PseudonymKeyVariable"] = keyVariable,
            ["Destinations:0:PreviousPseudonymKeyVariable"] = previousKeyVariable,
            ["Destinations:0:DateShiftDays"] = dateShiftDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Destinations:0:OnConsentWithdrawn"] = policy,
        }).Build();
        var services = new ServiceCollection().AddLogging().AddMndFhirSync(configuration, Folder).BuildServiceProvider();
        _providers.Add(services);
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        return services;
    }

    public static async Task ImportAsync(IServiceProvider services, string export)
    {
        var import = await services.GetRequiredService<ClinicImporter>().ImportAsync(export, CancellationToken.None);
        Assert.Equal(0, import.Rejected);
    }

    public static Task<SyncRunSummary> SyncAsync(IServiceProvider services) =>
        services.GetRequiredService<SyncRunner>().RunAsync("registry", "test", CancellationToken.None);

    /// <summary>Every line of every file the destination's manifests list, by file name.</summary>
    public IEnumerable<(string File, string Line)> Lines() =>
        Directory.Exists(Output)
            ? Directory.GetFiles(Output, "*.ndjson", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .SelectMany(f => File.ReadLines(f).Select(l => (Path.GetFileName(f), l)))
            : [];

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _providers)
        {
            await p.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp folder; nothing else depends on it.
        }
    }
}
