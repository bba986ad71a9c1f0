using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Sync;

namespace MndFhir.IntegrationTests.Sync;

/// <summary>
/// The real services, as the CLI builds them, over a SQLite file and a copy of the sample export in a temporary folder.
/// </summary>
internal sealed class SyncTestHost : IAsyncDisposable
{
    private SyncTestHost(string folder, ServiceProvider services)
    {
        Folder = folder;
        Services = services;
    }

    public string Folder { get; }

    public string ExportFolder => Path.Combine(Folder, "export");

    public ServiceProvider Services { get; }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    public static async Task<SyncTestHost> StartAsync(IReadOnlyDictionary<string, string?> settings, CancellationToken ct)
    {
        var folder = Path.Combine(Path.GetTempPath(), "mndfhir-it-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(folder, "export"));
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "samples", "clinic-export"), "*.csv"))
        {
            File.Copy(file, Path.Combine(folder, "export", Path.GetFileName(file)));
        }

        var values = new Dictionary<string, string?>
        {
            ["Clinic:IdentifierSystem"] = "https://mndfhir.example.org/fhir/sid/it-clinic",
            ["Clinic:MappingsPath"] = Path.Combine(RepositoryPaths.Root, "mappings"),
            ["Clinic:ExportPath"] = "export",
            ["Database:Provider"] = "Sqlite",
            ["Database:ConnectionString"] = "Data Source=" + Path.Combine(folder, "mndfhir.db"),
        };
        foreach (var (k, v) in settings)
        {
            values[k] = v;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddMndFhirSync(configuration, folder)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
        return new SyncTestHost(folder, services);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow file system: the temp folder is left behind, nothing else is affected.
        }
    }
}
