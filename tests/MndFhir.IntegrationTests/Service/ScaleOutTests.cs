using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.IntegrationTests.Sync;
using Xunit.Abstractions;

namespace MndFhir.IntegrationTests.Service;

/// <summary>
/// Scale-out on Hangfire's own distribution: two `mndfhir serve` processes on one PostgreSQL (application database and
/// Hangfire storage) share the schedule and the queue; one sync of a destination runs at a time; killing the instance
/// that syncs leaves nothing missing after the other's next run.
/// </summary>
public sealed partial class ScaleOutTests(FhirTestServer server, ITestOutputHelper output) : IClassFixture<FhirTestServer>, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-scale-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<Process> _processes = [];

    [PostgresFact]
    public async System.Threading.Tasks.Task Two_instances_share_the_schedule_sync_a_destination_one_at_a_time_and_survive_the_syncing_one_being_killed()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        Directory.CreateDirectory(_folder);
        var admin = Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!;
        var name = "mndfhir_scale_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(admin, $"CREATE DATABASE {name}", ct);
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
        var system = $"https://clinic.test/sid/scale-{Guid.NewGuid():N}";
        try
        {
            var config = Path.Combine(_folder, "mndfhir.json");
            await File.WriteAllTextAsync(config, new JsonObject
            {
                ["Clinic"] = new JsonObject { ["IdentifierSystem"] = system, ["MappingsPath"] = RepositoryPaths.Mappings },
                ["Database"] = new JsonObject { ["Provider"] = "PostgreSql", ["ConnectionString"] = connection },
                ["Hangfire"] = new JsonObject { ["Storage"] = "PostgreSql", ["ConnectionString"] = connection, ["SchedulePollingSeconds"] = 1, ["QueuePollingSeconds"] = 1, ["WorkerCount"] = 1 },
                ["Logging"] = new JsonObject { ["Folder"] = Path.Combine(_folder, "logs") },
                ["Destinations"] = new JsonArray(new JsonObject
                {
                    ["Name"] = "hospital", ["Kind"] = "FhirRest", ["BaseUrl"] = server.BaseUrl.ToString(), ["BatchSize"] = 50, ["Schedule"] = "0 2 * * *",
                }),
            }.ToJsonString(), ct);
            var (importExit, importOut, importErr) = await MndFhirProcess.RunAsync(config, ["import", "--from", Path.Combine(RepositoryPaths.Samples, "clinic-export")], ct);
            Assert.True(importExit == 0, importOut + importErr);

            var a = await StartServeAsync(config, ct);
            var b = await StartServeAsync(config, ct);
            await using var db = Context(connection);

            // One schedule, however many instances applied it.
            Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM hangfire.set WHERE key = 'recurring-jobs' AND value = 'sync-hospital'", ct));

            using var http = new HttpClient();
            (await http.PostAsync(new Uri(a.Address, "/api/destinations/hospital/sync"), null, ct)).EnsureSuccessStatusCode();
            while (await db.Ledger.CountAsync(e => e.State == LedgerState.Delivered, ct) < 2000)
            {
                await System.Threading.Tasks.Task.Delay(100, ct);
            }

            // A second sync of the same destination, asked of the other instance, does not run beside the first.
            (await http.PostAsync(new Uri(b.Address, "/api/destinations/hospital/sync"), null, ct)).EnsureSuccessStatusCode();
            await System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(4), ct);
            Assert.Equal(1, await db.SyncRuns.CountAsync(ct));
            Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM hangfire.jobqueue WHERE fetchedat IS NULL", ct)); // it was taken, and declined

            var holder = await db.DestinationLeases.AsNoTracking().Where(l => l.Destination == "hospital").Select(l => l.Holder).SingleAsync(ct);
            var pid = int.Parse(holder.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
            var (syncing, other) = pid == a.Process.Id ? (a, b) : (b, a);
            Assert.Equal(pid, syncing.Process.Id);
            syncing.Process.Kill(entireProcessTree: true);
            await syncing.Process.WaitForExitAsync(ct);
            var confirmed = await db.Ledger.CountAsync(e => e.State == LedgerState.Delivered, ct);
            output.WriteLine($"killed the syncing instance (pid {pid}) with {confirmed} resources confirmed");

            (await http.PostAsync(new Uri(other.Address, "/api/destinations/hospital/sync"), null, ct)).EnsureSuccessStatusCode();
            SyncRun? finished = null;
            while (finished is null)
            {
                await System.Threading.Tasks.Task.Delay(500, ct);
                finished = await db.SyncRuns.AsNoTracking().Where(r => r.Outcome == SyncOutcome.Succeeded).OrderBy(r => r.Id).FirstOrDefaultAsync(ct);
            }

            using var reader = new HttpClient();
            var audit = await ServerAudit.RunAsync(reader, server.BaseUrl, system, await SampleExport.ReadAsync(Path.Combine(RepositoryPaths.Samples, "clinic-export")), new PostgresContexts(connection), "hospital", ct);
            var runs = await db.SyncRuns.AsNoTracking().OrderBy(r => r.Id).ToListAsync(ct);
            output.WriteLine($"runs: {string.Join(", ", runs.Select(r => $"{r.Outcome} ({r.Trigger}, {r.StartedAt:HH:mm:ss.fff}-{r.FinishedAt:HH:mm:ss.fff})"))}; the survivor: {finished.Created} created, {finished.Unchanged} unchanged; {audit}");

            // The killed run is the one failure. Hangfire delivers a job at least once, so the killed instance's job may
            // come back and run again once its invisibility ends: that is a further run, never one beside another.
            Assert.Equal(SyncOutcome.Failed, runs[0].Outcome);
            Assert.All(runs.Skip(1), r => Assert.NotEqual(SyncOutcome.Failed, r.Outcome));
            Assert.Equal(finished.Id, runs[1].Id);
            Assert.True(runs[0].StartedAt < runs[1].StartedAt);
            foreach (var (earlier, later) in runs.Skip(1).Zip(runs.Skip(2)))
            {
                Assert.True(earlier.FinishedAt is { } end && end <= later.StartedAt, $"run {later.Id} started before run {earlier.Id} finished");
            }

            Assert.Equal((0, 0, 0), (audit.Duplicates, audit.Missing, audit.LedgerDisagreements));
        }
        finally
        {
            foreach (var p in _processes.Where(p => !p.HasExited))
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync(CancellationToken.None);
            }

            Npgsql.NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", CancellationToken.None);
        }
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            p.Dispose();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<(Process Process, Uri Address)> StartServeAsync(string config, CancellationToken ct)
    {
        var process = MndFhirProcess.Start(config, "serve", "--urls", "http://127.0.0.1:0");
        _processes.Add(process);
        while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            if (ListeningOn().Match(line) is { Success: true } m)
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
                return (process, new Uri(m.Groups[1].Value));
            }
        }

        throw new InvalidOperationException("serve ended before it listened: " + await process.StandardError.ReadToEndAsync(ct));
    }

    private static MndFhirDbContext Context(string connection) =>
        new PostgreSqlMndFhirDbContext(new DbContextOptionsBuilder<PostgreSqlMndFhirDbContext>().UseNpgsql(connection).Options);

    private static async System.Threading.Tasks.Task ExecuteAsync(string connection, string sql, CancellationToken ct)
    {
        await using var c = new Npgsql.NpgsqlConnection(connection);
        await c.OpenAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand(sql, c);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<long> ScalarAsync(string connection, string sql, CancellationToken ct)
    {
        await using var c = new Npgsql.NpgsqlConnection(connection);
        await c.OpenAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand(sql, c);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();

    private sealed class PostgresContexts(string connection) : IDbContextFactory<MndFhirDbContext>
    {
        public MndFhirDbContext CreateDbContext() => Context(connection);
    }
}
