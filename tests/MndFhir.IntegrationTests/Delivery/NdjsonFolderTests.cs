using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.IntegrationTests.Sync;
using MndFhir.Serialization;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;
using Xunit.Abstractions;

namespace MndFhir.IntegrationTests.Delivery;

/// <summary>
/// The sample export synced to an NDJSON folder: what the manifests list is exactly what the ledger holds, also when
/// the disk fills up in the middle of a sync (a real file system: a small tmpfs).
/// </summary>
public sealed class NdjsonFolderTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_sync_of_the_samples_writes_parts_whose_manifest_counts_equal_the_ledger_and_the_lines_on_disk()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        await using var host = await StartAsync(ct);
        var export = await SampleExport.ReadAsync(host.ExportFolder);
        var expected = export.Patients.Count * 2 + export.Treatments.Count + export.ObservationIds.Count();

        var sync = await host.Get<SyncRunner>().RunAsync("files", "test", ct);

        var listed = Listed(Folder(host));
        output.WriteLine($"sync: {sync.Created} created in {listed.Select(l => l.File).Distinct().Count()} part files, {sync.Elapsed.TotalSeconds:0.0} s");
        Assert.Null(sync.Error);
        Assert.Equal((expected, 0, 0), (sync.Created, sync.Failed, sync.Blocked));
        Assert.Equal(expected, listed.Count);
        Assert.Equal(expected, Resources(Folder(host)).Sum(f => File.ReadAllLines(f).Length));
        Assert.Equal(await DeliveredAsync(host, ct), listed.Select(l => (l.Type, l.Id)).ToHashSet());
        Assert.Contains(listed, l => l.File.EndsWith("Observation.0004.ndjson", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(Folder(host), "*.tmp", SearchOption.AllDirectories));
    }

    [TmpfsFact]
    public async Task A_full_disk_fails_the_sync_with_one_line_and_the_manifests_list_exactly_the_ledger_and_with_room_the_next_sync_writes_only_the_rest()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        await using var host = await StartAsync(ct);
        var export = await SampleExport.ReadAsync(host.ExportFolder);
        var expected = export.Patients.Count * 2 + export.Treatments.Count + export.ObservationIds.Count();
        // 2 MB: room for the patients (part 1, 17 kB) and the conditions and procedures (part 2, 1 MB), not for the
        // 5000 observations of part 3 (5 MB).
        using var disk = Tmpfs.Mount(Folder(host), "2m");

        var error = await Assert.ThrowsAsync<DestinationWriteException>(() => host.Get<SyncRunner>().RunAsync("files", "test", ct));

        output.WriteLine(error.Message);
        Assert.Matches($"^Cannot write to {System.Text.RegularExpressions.Regex.Escape(Folder(host))}/[0-9]{{8}}T[0-9]{{6}}Z-run1: No space left on device$", error.Message);
        var listed = Listed(Folder(host));
        var delivered = await DeliveredAsync(host, ct);
        Assert.InRange(delivered.Count, 1, expected - 1);
        Assert.Equal(delivered, listed.Select(l => (l.Type, l.Id)).ToHashSet());
        Assert.Equal(listed.Count, delivered.Count);
        Assert.Equal(
            listed.Select(l => l.File).Distinct().Order(StringComparer.Ordinal),
            Resources(Folder(host)).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(Folder(host), "*.tmp", SearchOption.AllDirectories));
        await using (var db = await host.Get<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync(ct))
        {
            var run = await db.SyncRuns.AsNoTracking().SingleAsync(ct);
            Assert.Equal((SyncOutcome.Failed, error.Message), (run.Outcome, run.Error));
            Assert.NotNull(run.FinishedAt);
        }

        // The operator frees space on the same file system, keeping what it holds.
        disk.Resize("200m");
        var again = await host.Get<SyncRunner>().RunAsync("files", "test", ct);

        output.WriteLine($"after the full disk: {delivered.Count} delivered; with room: {again.Created} created, {again.Unchanged} unchanged");
        Assert.Null(again.Error);
        Assert.Equal(expected - delivered.Count, again.Created);
        var all = Listed(Folder(host));
        Assert.Equal(expected, all.Count);
        Assert.DoesNotContain(all.GroupBy(l => (l.Type, l.Id, l.Hash)), g => g.Count() > 1);
        Assert.Equal(await DeliveredAsync(host, ct), all.Select(l => (l.Type, l.Id)).ToHashSet());
        Assert.Empty(Directory.GetFiles(Folder(host), "*.tmp", SearchOption.AllDirectories));
    }

    [TmpfsFact]
    public async Task The_command_syncing_into_a_full_disk_says_so_in_one_line_and_exits_with_the_local_fault_code()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        await using var host = await StartAsync(ct);
        using var disk = Tmpfs.Mount(Folder(host), "1m");
        var config = Path.Combine(host.Folder, "mndfhir.json");
        await File.WriteAllTextAsync(config, new JsonObject
        {
            ["Clinic"] = new JsonObject { ["MappingsPath"] = RepositoryPaths.Mappings },
            ["Database"] = new JsonObject { ["ConnectionString"] = "Data Source=" + Path.Combine(host.Folder, "mndfhir.db") },
            ["Logging"] = new JsonObject { ["Folder"] = Path.Combine(host.Folder, "logs") },
            ["Destinations"] = new JsonArray(new JsonObject { ["Name"] = "files", ["Kind"] = "NdjsonFolder", ["Folder"] = Folder(host) }),
        }.ToJsonString(), ct);

        var (exit, stdout, stderr) = await MndFhirProcess.RunAsync(config, ["sync", "--destination", "files"], ct);

        output.WriteLine(stderr.Trim());
        Assert.True(exit == 5, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Contains("mndfhir: sync files: Cannot write to", stderr, StringComparison.Ordinal);
        Assert.Contains("No space left on device", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    /// <summary>The samples imported, and one NDJSON destination "files" writing to the folder "files" of the host.</summary>
    private static async Task<SyncTestHost> StartAsync(CancellationToken ct)
    {
        var host = await SyncTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Destinations:0:Name"] = "files",
                ["Destinations:0:Kind"] = "NdjsonFolder",
                ["Destinations:0:Folder"] = "files",
            },
            ct);
        Assert.Equal(0, (await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct)).Rejected);
        return host;
    }

    private static string Folder(SyncTestHost host) => Path.Combine(host.Folder, "files");

    /// <summary>The part files of resources (each part's Provenance file aside).</summary>
    private static IEnumerable<string> Resources(string folder) =>
        Directory.GetFiles(folder, "*.ndjson", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith("Provenance.", StringComparison.Ordinal));

    private static async Task<HashSet<(string Type, string Id)>> DeliveredAsync(SyncTestHost host, CancellationToken ct)
    {
        await using var db = await host.Get<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync(ct);
        var entries = await db.Ledger.AsNoTracking()
            .Where(e => e.Destination == "files" && e.State == LedgerState.Delivered)
            .Select(e => new { e.ResourceType, e.ServerId })
            .ToListAsync(ct);
        return entries.Select(e => (e.ResourceType, e.ServerId!)).ToHashSet();
    }

    /// <summary>
    /// Every resource in a file some run's manifest lists, read as a registry would. Checks on the way that each listed
    /// file holds as many lines as its manifest says and that every line is a complete FHIR resource of the listed type.
    /// </summary>
    private static List<(string File, string Type, string Id, string Hash)> Listed(string folder)
    {
        var listed = new List<(string File, string Type, string Id, string Hash)>();
        foreach (var run in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "manifest.json")))!;
            foreach (var entry in manifest["output"]!.AsArray())
            {
                var file = Path.Combine(run, entry!["url"]!.GetValue<string>());
                var type = entry["type"]!.GetValue<string>();
                var lines = File.ReadAllLines(file);
                Assert.Equal(entry["count"]!.GetValue<int>(), lines.Length);
                if (type == "Provenance")
                {
                    // One per part: the record of the delivery, not a resource of the ledger.
                    Assert.Equal("Provenance", JsonNode.Parse(Assert.Single(lines))!["resourceType"]!.GetValue<string>());
                    continue;
                }
                foreach (var line in lines)
                {
                    var resource = JsonNode.Parse(line)!;
                    Assert.Equal(type, resource["resourceType"]!.GetValue<string>());
                    listed.Add((file, type, resource["id"]!.GetValue<string>(), FhirJson.Hash(line)));
                }
            }
        }

        return listed;
    }
}
