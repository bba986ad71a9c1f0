using System.Net;
using System.Text.Json;
using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Service;
using Serilog;

namespace MndFhir.IntegrationTests.Service;

/// <summary>The service as `mndfhir serve` runs it: Hangfire schedules per destination, API, and a job that really syncs.</summary>
[Collection(HangfireCollection.Name)]
public sealed class ServiceHostTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-svc-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async System.Threading.Tasks.Task Serve_schedules_each_destination_listens_on_loopback_and_runs_an_enqueued_sync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        Directory.CreateDirectory(_folder);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = Path.Combine(RepositoryPaths.Root, "mappings"),
            ["Database:Provider"] = "Sqlite",
            ["Database:ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db"),
            ["Hangfire:Storage"] = "InMemory",
            ["Destinations:0:Name"] = "nightly-files",
            ["Destinations:0:Kind"] = "NdjsonFolder",
            ["Destinations:0:Folder"] = Path.Combine(_folder, "out"),
            ["Destinations:0:Schedule"] = "0 2 * * *",
            ["Destinations:1:Name"] = "manual-only",
            ["Destinations:1:Kind"] = "NdjsonFolder",
            ["Destinations:1:Folder"] = Path.Combine(_folder, "out2"),
        }).Build();

        await using var app = ServiceHost.Build(configuration, _folder, "http://127.0.0.1:0", new LoggerConfiguration().CreateLogger());
        var address = await StartAsync(app, cts.Token);
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(address.Host)));

        using (var connection = JobStorage.Current.GetConnection())
        {
            var job = Assert.Single(connection.GetRecurringJobs());
            Assert.Equal("sync-nightly-files", job.Id);
            Assert.Equal("0 2 * * *", job.Cron);
        }

        using var http = new HttpClient { BaseAddress = address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health", UriKind.Relative), cts.Token)).StatusCode);
        var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/status", UriKind.Relative), cts.Token));
        Assert.Equal(2, status.RootElement.GetProperty("destinations").GetArrayLength());
        Assert.Equal(0, status.RootElement.GetProperty("intake").GetProperty("openQuarantine").GetArrayLength());

        var enqueue = await http.PostAsync(new Uri("/api/destinations/manual-only/sync", UriKind.Relative), null, cts.Token);
        Assert.Equal(HttpStatusCode.Accepted, enqueue.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync(new Uri("/api/destinations/nowhere/sync", UriKind.Relative), null, cts.Token)).StatusCode);

        var run = await FinishedRunAsync(app, "manual-only", cts.Token);

        Assert.Equal("api", run.Trigger);
        Assert.Equal(SyncOutcome.Succeeded, run.Outcome);
        await app.StopAsync(cts.Token);
    }

    [Fact]
    public async System.Threading.Tasks.Task With_an_api_key_every_api_call_must_carry_it_and_health_stays_open()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Directory.CreateDirectory(_folder);
        var variable = "MNDFHIR_TEST_API_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var key = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        Environment.SetEnvironmentVariable(variable, key);
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Clinic:MappingsPath"] = Path.Combine(RepositoryPaths.Root, "mappings"),
                ["Database:ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db"),
                ["Hangfire:Storage"] = "InMemory",
                ["Service:ApiKeyVariable"] = variable,
                ["Destinations:0:Name"] = "files",
                ["Destinations:0:Kind"] = "NdjsonFolder",
                ["Destinations:0:Folder"] = Path.Combine(_folder, "out"),
            }).Build();
            await using var app = ServiceHost.Build(configuration, _folder, "http://127.0.0.1:0", new LoggerConfiguration().CreateLogger());
            var address = await StartAsync(app, cts.Token);
            using var http = new HttpClient { BaseAddress = address };
            var status = new Uri("/api/status", UriKind.Relative);

            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(status, cts.Token)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync(new Uri("/api/destinations/files/sync", UriKind.Relative), null, cts.Token)).StatusCode);
            using (var wrong = new HttpRequestMessage(HttpMethod.Get, status))
            {
                // The key with its last character changed: never the key itself (a random key may already end in "0").
                var wrongKey = key[..^1] + (key[^1] == '0' ? "1" : "0");
                Assert.NotEqual(key, wrongKey);
                wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", wrongKey);
                Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong, cts.Token)).StatusCode);
            }

            using (var bearer = new HttpRequestMessage(HttpMethod.Get, status))
            {
                bearer.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
                Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(bearer, cts.Token)).StatusCode);
            }

            using (var header = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/dead-letters", UriKind.Relative)))
            {
                header.Headers.Add("X-Api-Key", key);
                Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(header, cts.Token)).StatusCode);
            }

            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health", UriKind.Relative), cts.Token)).StatusCode);
            await app.StopAsync(cts.Token);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    /// <summary>The production shape on a database server: the application database and Hangfire's storage on PostgreSQL.</summary>
    [PostgresFact]
    public async System.Threading.Tasks.Task On_postgresql_the_schedule_is_stored_and_an_enqueued_sync_runs_and_is_recorded()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        Directory.CreateDirectory(_folder);
        var server = Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!;
        var name = "mndfhir_svc_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new Npgsql.NpgsqlConnection(server))
        {
            await admin.OpenAsync(cts.Token);
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync(cts.Token);
        }

        var connection = new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name }.ToString();
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(new Npgsql.NpgsqlConnectionStringBuilder(server).Host!)));
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Clinic:MappingsPath"] = Path.Combine(RepositoryPaths.Root, "mappings"),
                ["Database:Provider"] = "PostgreSql",
                ["Database:ConnectionString"] = connection,
                ["Hangfire:Storage"] = "PostgreSql",
                ["Hangfire:ConnectionString"] = connection,
                ["Destinations:0:Name"] = "hourly-files",
                ["Destinations:0:Kind"] = "NdjsonFolder",
                ["Destinations:0:Folder"] = Path.Combine(_folder, "out"),
                ["Destinations:0:Schedule"] = "0 * * * *",
            }).Build();
            await using (var app = ServiceHost.Build(configuration, _folder, "http://127.0.0.1:0", new LoggerConfiguration().CreateLogger()))
            {
                var address = await StartAsync(app, cts.Token);
                using var http = new HttpClient { BaseAddress = address };
                Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(new Uri("/api/destinations/hourly-files/sync", UriKind.Relative), null, cts.Token)).StatusCode);

                var run = await FinishedRunAsync(app, "hourly-files", cts.Token);

                Assert.Equal(("api", SyncOutcome.Succeeded), (run.Trigger, run.Outcome));
                await app.StopAsync(cts.Token);
            }

            // The schedule outlives the process: it is in PostgreSQL, where Hangfire keeps it.
            await using var check = new Npgsql.NpgsqlConnection(connection);
            await check.OpenAsync(cts.Token);
            await using var query = new Npgsql.NpgsqlCommand("SELECT count(*) FROM hangfire.set WHERE key = 'recurring-jobs' AND value = 'sync-hourly-files'", check);
            Assert.Equal(1L, (long)(await query.ExecuteScalarAsync(cts.Token))!);
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await using var admin = new Npgsql.NpgsqlConnection(server);
            await admin.OpenAsync(CancellationToken.None);
            await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>Prepares (migrations, schedules) and starts the service; returns the loopback address it listens on.</summary>
    private static async System.Threading.Tasks.Task<Uri> StartAsync(Microsoft.AspNetCore.Builder.WebApplication app, CancellationToken ct)
    {
        await ServiceHost.PrepareAsync(app.Services, ct);
        await app.StartAsync(ct);
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    /// <summary>Waits for the destination's first sync run to finish and returns it.</summary>
    private static async System.Threading.Tasks.Task<SyncRun> FinishedRunAsync(Microsoft.AspNetCore.Builder.WebApplication app, string destination, CancellationToken ct)
    {
        var contexts = app.Services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>();
        while (true)
        {
            await System.Threading.Tasks.Task.Delay(200, ct);
            await using var db = await contexts.CreateDbContextAsync(ct);
            if (await db.SyncRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Destination == destination, ct) is { FinishedAt: not null } run)
            {
                return run;
            }
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
