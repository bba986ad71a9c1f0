using System.Net;
using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.Service;
using Serilog;
using Xunit.Abstractions;

namespace MndFhir.IntegrationTests.Service;

/// <summary>
/// The service runs by itself: it picks up a new export from the watched folder and syncs it with no command, imports
/// each export once, and a destination that fails is Failed where operators look (Hangfire, /api/runs).
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class ScheduledIntakeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-intake-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async System.Threading.Tasks.Task A_new_export_dropped_into_the_watched_folder_is_imported_once_and_synced_with_no_command()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = cts.Token;
        var export = Path.Combine(_folder, "export");
        Directory.CreateDirectory(export);
        await using var app = ServiceHost.Build(Configuration(new()
        {
            ["Clinic:ExportPath"] = export,
            ["Clinic:ImportSchedule"] = "*/2 * * * * *",
            ["Clinic:ExportQuietSeconds"] = "3600",
            ["Destinations:0:Name"] = "files",
            ["Destinations:0:Kind"] = "NdjsonFolder",
            ["Destinations:0:Folder"] = Path.Combine(_folder, "out"),
        }), _folder, "http://127.0.0.1:0", new LoggerConfiguration().CreateLogger());
        await StartAsync(app, ct);
        var contexts = app.Services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>();

        // The clinic writes its three files, and the marker last.
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Samples, "clinic-export"), "*.csv"))
        {
            File.Copy(file, Path.Combine(export, Path.GetFileName(file)));
        }

        await System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(5), ct);
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            Assert.False(await db.ImportRuns.AnyAsync(ct), "an export without its marker, changed moments ago, is not complete");
        }

        await File.WriteAllTextAsync(Path.Combine(export, "export.ready"), string.Empty, ct);
        var run = await WaitAsync(contexts, db => db.SyncRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Destination == "files" && r.FinishedAt != null, ct), ct);
        output.WriteLine($"sync run {run.Id}: {run.Outcome}, {run.Created} created");
        Assert.Equal(("scheduled", SyncOutcome.Succeeded, 16_119), (run.Trigger, run.Outcome, run.Created));

        // Later occurrences find the same export: it is not imported again.
        await System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(6), ct);
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var import = Assert.Single(await db.ImportRuns.AsNoTracking().ToListAsync(ct));
            Assert.Equal(("scheduled", ImportOutcome.Succeeded), (import.Trigger, import.Outcome));
            Assert.Single(await db.SyncRuns.AsNoTracking().ToListAsync(ct));
        }

        // A new export arrives, one measurement more: imported and synced once more.
        var header = (await File.ReadAllLinesAsync(Path.Combine(export, "assessments.csv"), ct))[0].Split(',');
        var row = string.Join(',', header.Select(c => c switch
        {
            "assessment_id" => "Z-000001",
            "patient_id" => "P-0001",
            "code" => "WEIGHT",
            "value" => "70",
            "unit" => "kg",
            "effective" => "2025-01-02",
            _ => string.Empty,
        }));
        await File.AppendAllTextAsync(Path.Combine(export, "assessments.csv"), row + "\n", ct);
        await File.WriteAllTextAsync(Path.Combine(export, "export.ready"), string.Empty, ct);
        var second = await WaitAsync(contexts, db => db.SyncRuns.AsNoTracking().Where(r => r.Id > run.Id && r.FinishedAt != null).FirstOrDefaultAsync(ct), ct);
        output.WriteLine($"second sync run {second.Id}: {second.Outcome}, {second.Created} created, {second.Updated} updated");
        Assert.Equal((SyncOutcome.Succeeded, 1, 0), (second.Outcome, second.Created, second.Updated));
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            Assert.Equal(2, await db.ImportRuns.CountAsync(ct));
        }

        await app.StopAsync(ct);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_destination_that_fails_is_Failed_in_Hangfire_and_in_the_api_with_its_reason_in_words()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = cts.Token;
        Directory.CreateDirectory(_folder);

        // Something answers on loopback, but it is not a FHIR server at this path: 404, a misconfigured destination.
        await using var app = ServiceHost.Build(Configuration(new()
        {
            ["Destinations:0:Name"] = "hospital",
            ["Destinations:0:Kind"] = "FhirRest",
            ["Destinations:0:BaseUrl"] = "http://127.0.0.1:1/",
        }), _folder, "http://127.0.0.1:0", new LoggerConfiguration().CreateLogger());
        var address = await StartAsync(app, ct);
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MndFhir.Sync.Configuration.SyncSettings>>().Value;
        options.Destinations[0].BaseUrl = new Uri(address, "not-a-fhir-server/");
        var export = Path.Combine(_folder, "export");
        Directory.CreateDirectory(export);
        await File.WriteAllTextAsync(Path.Combine(export, "patients.csv"), "patient_id,sex,birth_date,diagnosis,registry_consent\nP-1,female,1960,ALS,yes\n", ct);
        await File.WriteAllTextAsync(Path.Combine(export, "treatments.csv"), "treatment_id,patient_id,code,performed_start\n", ct);
        await File.WriteAllTextAsync(Path.Combine(export, "assessments.csv"), "assessment_id,patient_id,code,value,unit,effective\n", ct);
        await app.Services.GetRequiredService<MndFhir.Sync.Intake.ClinicImporter>().ImportAsync(export, ct);
        using var http = new HttpClient { BaseAddress = address };

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(new Uri("/api/destinations/hospital/sync", UriKind.Relative), null, ct)).StatusCode);
        var contexts = app.Services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>();
        var run = await WaitAsync(contexts, db => db.SyncRuns.AsNoTracking().FirstOrDefaultAsync(r => r.FinishedAt != null, ct), ct);

        Assert.Equal(SyncOutcome.Failed, run.Outcome);
        Assert.StartsWith("Misconfigured destination: 'hospital' answered HTTP 404", run.Error, StringComparison.Ordinal);
        var failed = await WaitAsync(() => JobStorage.Current.GetMonitoringApi().FailedJobs(0, 10).FirstOrDefault(), ct);
        output.WriteLine($"Hangfire: {failed.Value.ExceptionType}: {failed.Value.ExceptionMessage}");
        Assert.Contains("Misconfigured destination", failed.Value.ExceptionMessage, StringComparison.Ordinal);
        using var runs = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/runs", UriKind.Relative), ct));
        Assert.Equal("Failed", runs.RootElement[0].GetProperty("outcome").GetString());

        // The import history publishes chosen fields (ImportRunView), not the stored row.
        using var imports = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/imports", UriKind.Relative), ct));
        var import = Assert.Single(imports.RootElement.EnumerateArray());
        Assert.Equal(
            ["id", "trigger", "folder", "fingerprint", "startedAt", "finishedAt", "outcome", "rows", "created", "updated", "unchanged", "rejected", "removed", "retracted", "filesRejected", "message"],
            import.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("Succeeded", 1), (import.GetProperty("outcome").GetString(), import.GetProperty("rows").GetInt32()));
        await app.StopAsync(ct);
    }

    private IConfiguration Configuration(Dictionary<string, string?> more)
    {
        var values = new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Database:Provider"] = "Sqlite",
            ["Database:ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db"),
            ["Hangfire:Storage"] = "InMemory",
            ["Hangfire:SchedulePollingSeconds"] = "1",
        };
        foreach (var (k, v) in more)
        {
            values[k] = v;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    private static async System.Threading.Tasks.Task<Uri> StartAsync(Microsoft.AspNetCore.Builder.WebApplication app, CancellationToken ct)
    {
        await ServiceHost.PrepareAsync(app.Services, ct);
        await app.StartAsync(ct);
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    private static async System.Threading.Tasks.Task<T> WaitAsync<T>(IDbContextFactory<MndFhirDbContext> contexts, Func<MndFhirDbContext, Task<T?>> query, CancellationToken ct)
        where T : class
    {
        while (true)
        {
            await using (var db = await contexts.CreateDbContextAsync(ct))
            {
                if (await query(db) is { } found)
                {
                    return found;
                }
            }

            await System.Threading.Tasks.Task.Delay(250, ct);
        }
    }

    private static async System.Threading.Tasks.Task<T> WaitAsync<T>(Func<T?> probe, CancellationToken ct)
    {
        while (true)
        {
            if (probe() is { } found && !EqualityComparer<T>.Default.Equals(found, default))
            {
                return found;
            }

            await System.Threading.Tasks.Task.Delay(250, ct);
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
