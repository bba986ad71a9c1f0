using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MndFhir.Data;
using MndFhir.Sync.Runs;

namespace MndFhir.Sync.Tests.Runs;

/// <summary>A sync's lease lasts ten minutes; the sync renews it as it goes, writing at most once a minute.</summary>
public sealed class SyncLeaseTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-lease-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Database:ConnectionString"] = "Data Source=" + Path.Combine(_folder, "test.db"),
            ["Destinations:0:Name"] = "files",
            ["Destinations:0:Kind"] = "NdjsonFolder",
            ["Destinations:0:Folder"] = Path.Combine(_folder, "out"),
        }).Build();
        _services = new ServiceCollection().AddLogging().AddMndFhirSync(configuration, _folder).BuildServiceProvider();
        await _services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_renewal_writes_once_a_tenth_of_the_lease_time_has_passed_and_a_lease_another_process_took_stops_the_sync_at_the_next_write()
    {
        var contexts = _services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>();
        await using var lease = await SyncLease.AcquireAsync(contexts, "files", _clock, NullLogger.Instance, CancellationToken.None);
        var taken = _clock.GetUtcNow();
        Assert.Equal(taken + TimeSpan.FromMinutes(10), await ExpiresAtAsync());

        // Within the first minute a renewal costs nothing: the lease keeps at least nine tenths of its time.
        _clock.Advance(TimeSpan.FromSeconds(59));
        await lease.RenewAsync(CancellationToken.None);
        Assert.Equal(taken + TimeSpan.FromMinutes(10), await ExpiresAtAsync());

        // After it, the renewal writes the lease for ten minutes from now.
        _clock.Advance(TimeSpan.FromSeconds(2));
        await lease.RenewAsync(CancellationToken.None);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromMinutes(10), await ExpiresAtAsync());

        // Another process took the lease (as it may once this one expired): the next renewal that writes stops the sync.
        await using (var db = await contexts.CreateDbContextAsync())
        {
            await db.DestinationLeases.Where(l => l.Destination == "files").ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, "another-process"));
        }

        _clock.Advance(TimeSpan.FromMinutes(1));
        var stopped = await Assert.ThrowsAsync<SyncAlreadyRunningException>(() => lease.RenewAsync(CancellationToken.None));
        Assert.Contains("another process took it", stopped.Message, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<DateTimeOffset> ExpiresAtAsync()
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync();
        return (await db.DestinationLeases.AsNoTracking().SingleAsync(l => l.Destination == "files")).ExpiresAt;
    }
}
