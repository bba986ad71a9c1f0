using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Sync.DeadLetters;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Ledger;
using MndFhir.Sync.Runs;
using MndFhir.Sync.Status;

namespace MndFhir.Sync.Tests.Runs;

public sealed class SyncRunnerTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-sync-" + Guid.NewGuid().ToString("N")[..12]);
    private ServiceProvider _services = null!;
    private RejectingWriterFactory _writers = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "export"));
        await File.WriteAllTextAsync(Path.Combine(_folder, "export", "patients.csv"),
            "patient_id,sex,birth_date,diagnosis,registry_consent\nP-1,female,1960,ALS,yes\nP-2,male,1955-06,PBP,no\n");
        await File.WriteAllTextAsync(Path.Combine(_folder, "export", "treatments.csv"),
            "treatment_id,patient_id,code,performed_start,cell_type,cell_source\nT-1,P-1,SC_INTRAVENOUS,2024-01-10,BM-MNC,autologous\n");
        await File.WriteAllTextAsync(Path.Combine(_folder, "export", "assessments.csv"),
            "assessment_id,patient_id,code,value,unit,effective\nA-1,P-1,FVC,3.1,L,2024-02-01\nA-2,P-2,FVC,2.9,L,2024-02-01\n");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Database:ConnectionString"] = "Data Source=" + Path.Combine(_folder, "test.db"),
            ["Destinations:0:Name"] = "files",
            ["Destinations:0:Kind"] = "NdjsonFolder",
            ["Destinations:0:Folder"] = Path.Combine(_folder, "out"),
            ["Destinations:1:Name"] = "registry",
            ["Destinations:1:Kind"] = "NdjsonFolder",
            ["Destinations:1:Folder"] = Path.Combine(_folder, "registry"),
            ["Destinations:1:RequiresRegistryConsent"] = "true",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddMndFhirSync(configuration, _folder);
        services.AddSingleton<DestinationWriterFactory>();
        services.AddSingleton(sp => new RejectingWriterFactory(sp.GetRequiredService<DestinationWriterFactory>()));
        services.AddSingleton<IDestinationWriterFactory>(sp => sp.GetRequiredService<RejectingWriterFactory>());
        _services = services.BuildServiceProvider();
        _writers = _services.GetRequiredService<RejectingWriterFactory>();
        await _services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        var import = await _services.GetRequiredService<ClinicImporter>().ImportAsync(Path.Combine(_folder, "export"), CancellationToken.None);
        Assert.Equal(0, import.Rejected);
    }

    [Fact]
    public async Task A_sync_with_something_to_send_prepares_its_writer_before_the_first_send_and_one_with_nothing_to_send_calls_neither()
    {
        var first = await Runner().RunAsync("files", "test", CancellationToken.None);

        Assert.Equal(7, first.Created);
        Assert.Equal("prepare", _writers.Calls.First());
        Assert.Contains("send", _writers.Calls);

        _writers.Calls.Clear();
        var again = await Runner().RunAsync("files", "test", CancellationToken.None);

        Assert.Equal((0, 0, 7), (again.Created, again.Updated, again.Unchanged));
        Assert.Empty(_writers.Calls); // a FHIR server is not even asked for its CapabilityStatement
    }

    [Fact]
    public async Task A_rejected_patient_is_recorded_failed_its_records_wait_and_everything_else_is_delivered()
    {
        _writers.Reject.Add(new ResourceKey("Patient", "P-1"));

        var first = await Runner().RunAsync("files", "test", CancellationToken.None);

        // P-2 and its condition and observation went through; P-1 failed; its condition, procedure and observation wait.
        Assert.Equal(1, first.Failed);
        Assert.Equal(3, first.Blocked);
        Assert.Equal(3, first.Created);
        await using (var db = await Contexts().CreateDbContextAsync())
        {
            var failed = await db.Ledger.SingleAsync(e => e.State == LedgerState.Failed);
            Assert.Equal(("Patient", "P-1"), (failed.ResourceType, failed.BusinessId));
            Assert.Contains("OperationOutcome", failed.LastError, StringComparison.Ordinal);
            Assert.Null(failed.ServerId);
            Assert.Equal(3, await db.Ledger.CountAsync(e => e.State == LedgerState.Delivered));
            Assert.Equal(SyncOutcome.PartlySucceeded, (await db.SyncRuns.SingleAsync()).Outcome);
        }

        var letter = Assert.Single(await _services.GetRequiredService<DeadLetterQueries>().ListAsync("files", CancellationToken.None));
        Assert.Equal(("Patient", "P-1", "P-1"), (letter.ResourceType, letter.BusinessId, letter.RecordId));
        Assert.Equal("HTTP 422: error invalid", letter.Summary);
        Assert.Empty(await _services.GetRequiredService<DeadLetterQueries>().ListAsync("registry", CancellationToken.None));

        var status = await _services.GetRequiredService<SyncStatusService>().GetAsync(CancellationToken.None);
        Assert.Equal((3, 3, 1), (status[0].Delivered, status[0].Pending, status[0].Failed));

        // The destination accepts it now: the next sync delivers exactly what was missing.
        _writers.Reject.Clear();
        var second = await Runner().RunAsync("files", "test", CancellationToken.None);
        Assert.Equal((4, 0, 0, 0, 3), (second.Created, second.Updated, second.Failed, second.Blocked, second.Unchanged));
        Assert.Empty(await _services.GetRequiredService<DeadLetterQueries>().ListAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task A_run_stopped_by_an_unforeseen_failure_is_recorded_failed_with_a_one_line_reason_and_the_failure_reaches_the_caller()
    {
        _writers.FailWith = new InvalidOperationException("The writer broke\nin two lines");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner().RunAsync("files", "test", CancellationToken.None));

        Assert.Same(_writers.FailWith, error);
        await using (var db = await Contexts().CreateDbContextAsync())
        {
            var run = await db.SyncRuns.AsNoTracking().SingleAsync();
            Assert.Equal(SyncOutcome.Failed, run.Outcome);
            Assert.Equal("The writer broke in two lines", run.Error);
            Assert.NotNull(run.FinishedAt);
            Assert.Equal(0, await db.Ledger.CountAsync());
            Assert.Equal(0, await db.DestinationLeases.CountAsync());
        }

        _writers.FailWith = null;
        var next = await Runner().RunAsync("files", "test", CancellationToken.None);
        Assert.Equal(7, next.Created);
    }

    [Fact]
    public async Task A_ledger_written_with_sha256_content_hashes_still_compares_so_an_upgrade_resends_nothing()
    {
        Assert.Equal(7, (await Runner().RunAsync("files", "test", CancellationToken.None)).Created);

        // Make the ledger what an earlier version wrote: the SHA-256 of the JSON as planned (the files' lines without
        // their logical ids); Observation/A-1 gets the SHA-256 of some other content.
        var planned = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_folder, "out"), "*.ndjson", SearchOption.AllDirectories))
        {
            foreach (var line in await File.ReadAllLinesAsync(file))
            {
                var resource = Serialization.FhirJson.Deserialize<Hl7.Fhir.Model.Resource>(line);
                planned[resource.TypeName + "/" + resource.Id] = Serialization.FhirJson.Hash(Serialization.FhirJson.Serialize(WithoutId(resource)));
            }
        }

        await using (var db = await Contexts().CreateDbContextAsync())
        {
            foreach (var entry in await db.Ledger.Where(e => e.Destination == "files").ToListAsync())
            {
                Assert.StartsWith(Serialization.FhirJson.ContentHashPrefix, entry.ContentHash, StringComparison.Ordinal);
                var key = entry.ResourceType + "/" + entry.BusinessId;
                entry.ContentHash = key == "Observation/A-1" ? Serialization.FhirJson.Hash("{}") : planned[key];
            }

            await db.SaveChangesAsync();
        }

        var upgraded = await Runner().RunAsync("files", "test", CancellationToken.None);

        Assert.Equal((0, 1, 6), (upgraded.Created, upgraded.Updated, upgraded.Unchanged));
        await using var after = await Contexts().CreateDbContextAsync();
        var a1 = await after.Ledger.SingleAsync(e => e.Destination == "files" && e.BusinessId == "A-1");
        Assert.StartsWith(Serialization.FhirJson.ContentHashPrefix, a1.ContentHash, StringComparison.Ordinal);
    }

    private static Hl7.Fhir.Model.Resource WithoutId(Hl7.Fhir.Model.Resource resource)
    {
        resource.Id = null;
        return resource;
    }

    [Fact]
    public async Task The_ledger_loads_every_entry_of_its_destination_as_stored_failed_ones_not_delivered_and_no_other_destinations()
    {
        _writers.Reject.Add(new ResourceKey("Patient", "P-1"));
        await Runner().RunAsync("files", "test", CancellationToken.None);
        await Runner().RunAsync("registry", "test", CancellationToken.None);
        await using (var db = await Contexts().CreateDbContextAsync())
        {
            // A server id other than the business id (a FHIR server's), and an entry that never delivered content.
            await db.Ledger.Where(e => e.Destination == "files" && e.BusinessId == "A-2").ExecuteUpdateAsync(u => u.SetProperty(e => e.ServerId, "server-17"));
            db.Ledger.Add(new LedgerEntry { Destination = "files", ResourceType = "Observation", BusinessId = "A-9", ContentHash = string.Empty, State = LedgerState.Failed });
            await db.SaveChangesAsync();
        }

        var snapshot = await _services.GetRequiredService<DeliveryLedger>().LoadAsync("files", CancellationToken.None);

        await using var check = await Contexts().CreateDbContextAsync();
        var stored = await check.Ledger.AsNoTracking().Where(e => e.Destination == "files").ToListAsync();
        Assert.Equal(5, stored.Count); // P-2, its Condition and A-2 delivered; P-1 failed; A-9

        // Patients and conditions are held from the start; Observations are read when announced, or else one at a time.
        Assert.Equal(3, snapshot.Count);
        Assert.False(snapshot.WasEmpty);
        Assert.Equal(0, snapshot.WindowCount);
        await snapshot.FetchAsync(stored.Select(e => new ResourceKey(e.ResourceType, e.BusinessId)).Append(new ResourceKey("Observation", "A-1")), CancellationToken.None);
        Assert.Equal(3, snapshot.WindowCount); // and A-1 (absent)
        foreach (var e in stored)
        {
            Assert.Equal(new LedgerSnapshotEntry(e.Id, e.ContentHash, e.ServerId, e.State == LedgerState.Delivered, e.InputHash), snapshot[new ResourceKey(e.ResourceType, e.BusinessId)]);
        }

        Assert.Equal(0, snapshot.Misses);

        Assert.Contains(stored, e => e is { BusinessId: "P-1", State: LedgerState.Failed });
        Assert.Equal("server-17", snapshot[new ResourceKey("Observation", "A-2")]?.ServerId);
        Assert.Null(snapshot[new ResourceKey("Observation", "A-1")]); // blocked behind P-1: never sent
        Assert.True(snapshot[new ResourceKey("Observation", "A-2")]?.Delivered);
        Assert.False(snapshot[new ResourceKey("Observation", "A-9")]?.Delivered);
        Assert.Equal(0, snapshot.Misses);

        // An Observation nobody announced is read on its own, and the answer is the same.
        var unannounced = await _services.GetRequiredService<DeliveryLedger>().LoadAsync("files", CancellationToken.None);
        Assert.Equal("server-17", unannounced[new ResourceKey("Observation", "A-2")]?.ServerId);
        Assert.Null(unannounced[new ResourceKey("Observation", "A-1")]);
        Assert.Null(unannounced[new ResourceKey("Observation", "A-1")]);
        Assert.Equal(2, unannounced.Misses);
        Assert.True((await _services.GetRequiredService<DeliveryLedger>().LoadAsync("nowhere", CancellationToken.None)).WasEmpty);
    }

    [Fact]
    public async Task A_registry_receives_only_consenting_patients_and_their_records()
    {
        var summary = await Runner().RunAsync("registry", "test", CancellationToken.None);

        Assert.Equal(4, summary.Created);
        await using var db = await Contexts().CreateDbContextAsync();
        var keys = await db.Ledger.Where(e => e.Destination == "registry").Select(e => e.ResourceType + "/" + e.BusinessId).ToListAsync();
        Assert.Equal(["Condition/P-1", "Observation/A-1", "Patient/P-1", "Procedure/T-1"], keys.Order());
    }

    [Fact]
    public async Task A_second_sync_of_the_same_destination_cannot_start_while_one_holds_the_lease()
    {
        await using var db = await Contexts().CreateDbContextAsync();
        Assert.True(await new DestinationLeaseStore(db).TryAcquireLeaseAsync("files", "someone-else", TimeSpan.FromMinutes(5), CancellationToken.None));

        await Assert.ThrowsAsync<SyncAlreadyRunningException>(() => Runner().RunAsync("files", "test", CancellationToken.None));
        Assert.Equal(0, await db.Ledger.CountAsync());
    }

    [Fact]
    public async Task Rows_gone_from_the_export_become_entered_in_error_and_come_back_when_the_rows_return()
    {
        Assert.Equal(7, (await Runner().RunAsync("files", "test", CancellationToken.None)).Created);
        var export = Path.Combine(_folder, "export");
        var treatments = await File.ReadAllTextAsync(Path.Combine(export, "treatments.csv"));
        var assessments = await File.ReadAllTextAsync(Path.Combine(export, "assessments.csv"));
        await File.WriteAllTextAsync(Path.Combine(export, "treatments.csv"), treatments.Split('\n')[0] + "\n");
        await File.WriteAllTextAsync(Path.Combine(export, "assessments.csv"), assessments.Replace("A-2,P-2,FVC,2.9,L,2024-02-01\n", string.Empty, StringComparison.Ordinal));

        var import = await _services.GetRequiredService<ClinicImporter>().ImportAsync(export, CancellationToken.None);
        Assert.Equal([0, 1, 1], import.Files.Select(f => f.Removed));
        var sync = await Runner().RunAsync("files", "test", CancellationToken.None);

        Assert.Equal((0, 2), (sync.Created, sync.Updated));
        var written = Directory.GetFiles(sync.Output!, "*.ndjson").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
        Assert.Contains("\"status\":\"entered-in-error\"", written[0], StringComparison.Ordinal);
        Assert.Contains("\"status\":\"entered-in-error\"", written[1], StringComparison.Ordinal);

        await File.WriteAllTextAsync(Path.Combine(export, "treatments.csv"), treatments);
        await File.WriteAllTextAsync(Path.Combine(export, "assessments.csv"), assessments);
        var back = await _services.GetRequiredService<ClinicImporter>().ImportAsync(export, CancellationToken.None);
        Assert.Equal(2, back.Files.Sum(f => f.Updated));
        var restored = await Runner().RunAsync("files", "test", CancellationToken.None);
        Assert.Equal(2, restored.Updated);
        Assert.DoesNotContain("entered-in-error", string.Concat(Directory.GetFiles(restored.Output!, "*.ndjson").Select(File.ReadAllText)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_export_missing_most_rows_is_taken_for_a_partial_export_and_removes_nothing()
    {
        var export = Path.Combine(_folder, "export");
        var rows = string.Concat(Enumerable.Range(10, 12).Select(i => $"A-{i},P-1,FVC,3.0,L,2024-03-{i:00}\n"));
        await File.WriteAllTextAsync(Path.Combine(export, "assessments.csv"), "assessment_id,patient_id,code,value,unit,effective\n" + rows);

        // The two earlier rows are all of what was stored: removing all of a file is refused too.
        var replaced = await _services.GetRequiredService<ClinicImporter>().ImportAsync(export, CancellationToken.None);
        Assert.Equal((0, 2), (replaced.Files[2].Removed, replaced.Files[2].RemovalsRefused));
        await File.WriteAllTextAsync(Path.Combine(export, "assessments.csv"), "assessment_id,patient_id,code,value,unit,effective\n");

        var import = await _services.GetRequiredService<ClinicImporter>().ImportAsync(export, CancellationToken.None);

        Assert.Equal(0, import.Files.Single(f => f.File == "assessments.csv").Removed);
        Assert.Contains(import.Warnings, w => w.Contains("looks like a partial export", StringComparison.Ordinal));
        var forced = await _services.GetRequiredService<ClinicImporter>().ImportAsync(export, new ImportOptions { AllowRemovals = true }, CancellationToken.None);
        Assert.Equal(14, forced.Files.Single(f => f.File == "assessments.csv").Removed);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_stop_requested_after_the_destination_answered_a_batch_still_records_what_it_confirmed()
    {
        using var stop = new CancellationTokenSource();
        _writers.AfterSend = stop.Cancel;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Runner().RunAsync("files", "test", stop.Token));

        // The first batch (the two Patients) was written and answered before the stop: the ledger holds it as delivered,
        // so the next sync does not send it again; nothing after it was sent.
        await using var db = await Contexts().CreateDbContextAsync();
        var delivered = await db.Ledger.Where(e => e.Destination == "files" && e.State == LedgerState.Delivered).Select(e => e.BusinessId).OrderBy(k => k).ToListAsync();
        Assert.Equal(["P-1", "P-2"], delivered);
        Assert.Equal(["prepare", "send"], _writers.Calls);
    }

    private SyncRunner Runner() => _services.GetRequiredService<SyncRunner>();

    private IDbContextFactory<MndFhirDbContext> Contexts() => _services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>();

}
