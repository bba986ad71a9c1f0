using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.IntegrationTests.Sync;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;
using Xunit.Abstractions;

namespace MndFhir.IntegrationTests.Intake;

/// <summary>
/// A real `mndfhir import` process killed (SIGKILL) at random moments while it imports a changed export: the database
/// is always the export before or the export after, never a part; the killed run stays Running until the next import
/// closes it as failed; the next import completes, and the FHIR server ends with exactly the export. CI runs a few kills of a 20,000-row import; MNDFHIR_SCALE_TESTS=1 runs 20 kills of a
/// 200,000-row import (BENCHMARKS.md).
/// </summary>
public sealed class ImportKillTests(FhirTestServer server, ITestOutputHelper output) : IClassFixture<FhirTestServer>
{
    private static readonly bool Scale = Environment.GetEnvironmentVariable("MNDFHIR_SCALE_TESTS") == "1";

    [Fact]
    public async System.Threading.Tasks.Task Killing_an_import_at_random_moments_never_leaves_part_of_an_export_and_the_destination_ends_with_exactly_the_export()
    {
        var (rows, kills) = Scale ? (200_000, 20) : (20_000, 3);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(Scale ? 120 : 15));
        var ct = cts.Token;
        var system = $"https://mndfhir.example.org/fhir/sid/import-kill-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>
        {
            ["Clinic:IdentifierSystem"] = system,
            ["Destinations:0:Name"] = "hospital",
            ["Destinations:0:Kind"] = "FhirRest",
            ["Destinations:0:BaseUrl"] = server.BaseUrl.ToString(),
        };
        await using var host = await SyncTestHost.StartAsync(settings, ct);
        var config = WriteConfig(host, system);
        var contexts = host.Get<IDbContextFactory<MndFhirDbContext>>();
        var random = new Random(Scale ? Environment.TickCount : 20261126);

        // Round 0: the first export, imported whole.
        var values = WriteExport(host.ExportFolder, rows, round: 0);
        var timer = Stopwatch.StartNew();
        var (firstExit, firstOut) = await RunAsync(config, ["import"], ct);
        Assert.True(firstExit == 0, firstOut);
        output.WriteLine($"{rows} assessment rows imported in {timer.Elapsed.TotalSeconds:0.0} s by a fresh process");
        await SyncAndAuditAsync(host, config, system, values, 0, ct);

        // The imports that are killed find most rows unchanged, and take less than the first: the window for the kills is
        // a second import of the same export, timed from the moment it records its run (start-up time varies with the
        // machine; a kill before the run is recorded proves nothing about the import).
        var importTime = await TimedImportAsync(config, contexts, ct);
        output.WriteLine($"the same export imported again in {importTime.TotalSeconds:0.0} s after its run was recorded: kills fall within 10% to 90% of that");

        var killed = 0;
        var cutOff = 0;
        for (var round = 1; round <= kills; round++)
        {
            var before = await AssessmentValuesAsync(contexts, ct);
            values = WriteExport(host.ExportFolder, rows, round);
            var killAt = importTime * (0.1 + (0.8 * random.NextDouble()));
            var lastRun = await LastRunAsync(contexts, ct);
            using (var import = MndFhirProcess.Start(config, "import"))
            {
                var exited = !await RunRecordedAsync(contexts, import, lastRun, ct) || await WaitAsync(import, killAt, ct);
                if (!exited)
                {
                    import.Kill(entireProcessTree: true);
                    await import.WaitForExitAsync(ct);
                    killed++;
                }

                var now = await AssessmentValuesAsync(contexts, ct);
                var state = now.SequenceEqual(before) ? "before" : now.SequenceEqual(values) ? "after" : "PART";
                output.WriteLine($"round {round}: {(exited ? "finished before" : "killed at")} {killAt.TotalSeconds:0.00} s after its run was recorded; database holds the export {state}");
                Assert.NotEqual("PART", state);
                if (!exited)
                {
                    // The run's outcome commits with the import: killed before the commit, the run still says Running
                    // (the next import closes it as failed); killed after it, while the process ends, it says Succeeded.
                    await using var check = await contexts.CreateDbContextAsync(ct);
                    var outcome = (await check.ImportRuns.AsNoTracking().OrderBy(r => r.Id).LastAsync(ct)).Outcome;
                    Assert.Equal(state == "before" ? ImportOutcome.Running : ImportOutcome.Succeeded, outcome);
                    cutOff += state == "before" ? 1 : 0;
                }
            }

            var (exit, text) = await RunAsync(config, ["import"], ct);
            Assert.True(exit == 0, text);
            Assert.Equal(values, await AssessmentValuesAsync(contexts, ct));

            // The destination ends with exactly this round's export (every few rounds at scale: a sync takes a while).
            if (!Scale || round % 5 == 0 || round == kills)
            {
                await SyncAndAuditAsync(host, config, system, values, round, ct);
            }
        }

        Assert.True(cutOff >= (Scale ? kills / 2 : 1), "too few imports were cut off before their commit to prove anything");
        await using var db = await contexts.CreateDbContextAsync(ct);
        Assert.False(await db.ImportRuns.AnyAsync(r => r.Outcome == ImportOutcome.Running, ct));

        // Every kill came after the run was recorded; each one that cut an import off left a run the next import closed as failed.
        Assert.Equal(cutOff, await db.ImportRuns.CountAsync(r => r.Outcome == ImportOutcome.Failed, ct));
    }

    private async System.Threading.Tasks.Task SyncAndAuditAsync(SyncTestHost host, string config, string system, SortedDictionary<string, decimal> values, int round, CancellationToken ct)
    {
        var (syncExit, syncOut) = await RunAsync(config, ["sync", "--destination", "hospital"], ct);
        Assert.True(syncExit == 0, syncOut);
        using var http = new HttpClient();
        var export = await SampleExport.ReadAsync(host.ExportFolder);
        var audit = await ServerAudit.RunAsync(http, server.BaseUrl, system, export, host.Get<IDbContextFactory<MndFhirDbContext>>(), "hospital", ct);
        var observations = await FhirServerContents.AllAsync<Observation>(http, server.BaseUrl, system + "/observation", ct);
        var wrongValues = observations.Count(o => values[FhirServerContents.BusinessId(o, system + "/observation")] != ((Quantity)o.Value!).Value);
        output.WriteLine($"round {round}: {syncOut.Trim().Split('\n')[0]}; {audit}; observations with another value than the export: {wrongValues}");
        Assert.Equal((0, 0, 0, 0), (audit.Duplicates, audit.Missing, audit.LedgerDisagreements, wrongValues));
    }

    /// <summary>
    /// Writes the export of one round: 50 patients and <paramref name="rows"/> FVC rows; each round changes the values of
    /// one row in a hundred (and the previous round's change returns to its first value) and adds ten. Returns the value
    /// of every row.
    /// </summary>
    private static SortedDictionary<string, decimal> WriteExport(string folder, int rows, int round)
    {
        var patients = new StringBuilder("patient_id,sex,birth_date,diagnosis,registry_consent\n");
        for (var p = 1; p <= 50; p++)
        {
            patients.Append(CultureInfo.InvariantCulture, $"P-{p:0000},female,1960-01-01,ALS,yes\n");
        }

        File.WriteAllText(Path.Combine(folder, "patients.csv"), patients.ToString());
        File.WriteAllText(Path.Combine(folder, "treatments.csv"), "treatment_id,patient_id,code,performed_start\n");
        var values = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        var assessments = new StringBuilder("assessment_id,patient_id,code,value,unit,effective\n");
        for (var i = 1; i <= rows + (10 * round); i++)
        {
            var changes = i % 100 == round % 100 ? round : 0;
            var value = 1.5m + (((i * 7) + changes) % 300 / 100m);
            var id = $"A-{i:0000000}";
            values[id] = value;
            assessments.Append(CultureInfo.InvariantCulture, $"{id},P-{1 + (i % 50):0000},FVC,{value:0.00},L,2024-{1 + (i % 12):00}-{1 + (i % 28):00}\n");
        }

        File.WriteAllText(Path.Combine(folder, "assessments.csv"), assessments.ToString());
        return values;
    }

    private static async Task<SortedDictionary<string, decimal>> AssessmentValuesAsync(IDbContextFactory<MndFhirDbContext> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Assessments.AsNoTracking().Where(a => a.RemovedFromExportAt == null).Select(a => new { a.AssessmentId, a.Value }).ToListAsync(ct);
        return new SortedDictionary<string, decimal>(rows.ToDictionary(r => r.AssessmentId, r => decimal.Parse(r.Value!, CultureInfo.InvariantCulture)), StringComparer.Ordinal);
    }

    private static string WriteConfig(SyncTestHost host, string system)
    {
        var config = new JsonObject
        {
            ["Clinic"] = new JsonObject { ["IdentifierSystem"] = system, ["MappingsPath"] = RepositoryPaths.Mappings, ["ExportPath"] = host.ExportFolder },
            ["Database"] = new JsonObject { ["ConnectionString"] = "Data Source=" + Path.Combine(host.Folder, "mndfhir.db") },
            ["Logging"] = new JsonObject { ["Folder"] = Path.Combine(host.Folder, "logs") },
            ["Destinations"] = new JsonArray(new JsonObject { ["Name"] = "hospital", ["Kind"] = "FhirRest", ["BaseUrl"] = host.Get<Microsoft.Extensions.Options.IOptions<MndFhir.Sync.Configuration.SyncSettings>>().Value.Destinations[0].BaseUrl!.ToString() }),
        };
        var path = Path.Combine(host.Folder, "mndfhir.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    /// <summary>Runs an import to its end and returns how long it took from the moment it recorded its run.</summary>
    private static async Task<TimeSpan> TimedImportAsync(string config, IDbContextFactory<MndFhirDbContext> contexts, CancellationToken ct)
    {
        var lastRun = await LastRunAsync(contexts, ct);
        using var import = MndFhirProcess.Start(config, "import");
        var stdout = import.StandardOutput.ReadToEndAsync(ct);
        var stderr = import.StandardError.ReadToEndAsync(ct);
        var recorded = await RunRecordedAsync(contexts, import, lastRun, ct);
        var timer = Stopwatch.StartNew();
        await import.WaitForExitAsync(ct);
        var time = timer.Elapsed;
        Assert.True(import.ExitCode == 0 && recorded, await stdout + await stderr);
        return time;
    }

    private static async Task<long> LastRunAsync(IDbContextFactory<MndFhirDbContext> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ImportRuns.AsNoTracking().MaxAsync(r => (long?)r.Id, ct) ?? 0;
    }

    /// <summary>
    /// Waits until the import process has recorded its run (a row after <paramref name="lastRun"/>); false if the process
    /// ended first. The database is in WAL mode: these reads never block the import's transaction.
    /// </summary>
    private static async Task<bool> RunRecordedAsync(IDbContextFactory<MndFhirDbContext> contexts, Process import, long lastRun, CancellationToken ct)
    {
        while (!import.HasExited)
        {
            await using (var db = await contexts.CreateDbContextAsync(ct))
            {
                if (await db.ImportRuns.AsNoTracking().AnyAsync(r => r.Id > lastRun, ct))
                {
                    return true;
                }
            }

            await System.Threading.Tasks.Task.Delay(20, ct);
        }

        return false;
    }

    private static async Task<bool> WaitAsync(Process process, TimeSpan time, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(time);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string config, string[] args, CancellationToken ct)
    {
        var (exit, stdout, stderr) = await MndFhirProcess.RunAsync(config, args, ct);
        return (exit, stdout + stderr);
    }
}
