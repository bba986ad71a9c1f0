using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Planning;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Ledger;
using MndFhir.Sync.Runs;

namespace MndFhir.Sync.Tests.Runs;

/// <summary>
/// The samples' first 30 patients, with every kind of record (treatments, assessments, panels, derived measures),
/// imported into a SQLite file, with an NDJSON folder destination "files" whose sync reads its ledger in windows of 64
/// bulk entries: the setting of the tests that judge change sets against a real ledger.
/// </summary>
public abstract class SampleLedgerTests : IAsyncLifetime
{
    protected const int Patients = 30;
    protected const int Capacity = 64;

    protected string Folder { get; } = Path.Combine(Path.GetTempPath(), "mndfhir-ledger-" + Guid.NewGuid().ToString("N")[..12]);
    protected ServiceProvider Services { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The samples' first patients, with every kind of record: treatments, assessments, panels, derived measures.
        var export = Path.Combine(Folder, "export");
        SampleExport.WriteFirstPatients(export, Patients);

        var settings = new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Database:ConnectionString"] = "Data Source=" + Path.Combine(Folder, "test.db"),
            ["Destinations:0:Name"] = "files",
            ["Destinations:0:Kind"] = "NdjsonFolder",
            ["Destinations:0:Folder"] = Path.Combine(Folder, "out"),
        };
        var services = new ServiceCollection().AddLogging();
        Configure(services, settings);
        services.AddMndFhirSync(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), Folder);
        services.AddTransient(sp => new DeliveryLedger(sp.GetRequiredService<IDbContextFactory<MndFhirDbContext>>(), TimeProvider.System) { WindowCapacity = Capacity });
        Services = services.BuildServiceProvider();
        await Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        var import = await Services.GetRequiredService<ClinicImporter>().ImportAsync(export, CancellationToken.None);
        Assert.Equal(0, import.Rejected);
    }

    /// <summary>A test's own settings and services (a logger provider, a progress), before the sync's are added.</summary>
    protected virtual void Configure(IServiceCollection services, Dictionary<string, string?> settings)
    {
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>The change set as a sync of "files" plans it, judged by content (every resource mapped): how many each way, the most bulk entries its ledger held at once and how many it read one at a time.</summary>
    protected async Task<(Dictionary<ChangeKind, int> Kinds, int MostHeld, long Misses)> PlanAsync()
    {
        var judged = await JudgedAsync(remember: false);
        return (judged.Counts, judged.MostHeld, judged.Misses);
    }

    /// <summary>Each resource's judgement as a sync of "files" makes it (<see cref="Judgements.OfAsync"/>).</summary>
    private protected Task<Judgements> JudgedAsync(bool remember) => Judgements.OfAsync(Services, "files", remember);

    protected SyncRunner Runner() => Services.GetRequiredService<SyncRunner>();

    protected IDbContextFactory<MndFhirDbContext> Contexts() => Services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>();
}
