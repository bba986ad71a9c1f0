using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;

namespace MndFhir.Cli.Tests;

/// <summary>
/// The --json output of status, runs, quarantine list and dead-letters list, read by a script: real commands on a real
/// SQLite database, after importing the samples' bad export (rejected rows) and syncing both destinations.
/// </summary>
public sealed class JsonOutputTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-json-" + Guid.NewGuid().ToString("N")[..12]);

    public JsonOutputTests()
    {
        // The samples' registry destination is pseudonymised: its throw-away key, as the README sets it (not left to
        // whichever test class ran first).
        Environment.SetEnvironmentVariable("MNDFHIR_SAMPLE_REGISTRY_KEY", "samples-only-not-a-secret-do-not-use-for-real-data");
        Directory.CreateDirectory(_folder);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Samples, "mndfhir.sample.json")))!;
        config["Clinic"]!["MappingsPath"] = RepositoryPaths.Mappings;
        config["Clinic"]!["ExportPath"] = Path.Combine(RepositoryPaths.Samples, "bad-export");
        config["Database"]!["ConnectionString"] = "Data Source=" + DatabaseFile;
        config["Logging"]!["Folder"] = Path.Combine(_folder, "logs");
        config["Destinations"]![0]!["Folder"] = Path.Combine(_folder, "hospital");
        config["Destinations"]![1]!["Folder"] = Path.Combine(_folder, "registry");
        File.WriteAllText(Path.Combine(_folder, "mndfhir.json"), config.ToJsonString());
    }

    private string DatabaseFile => Path.Combine(_folder, "mndfhir.db");

    [Fact]
    public async Task Status_runs_quarantine_and_dead_letters_write_documented_json_with_outcomes_as_words()
    {
        var (runExit, runOutput, runError) = await CliProcess.RunAsync(_folder, "run", "--config", "mndfhir.json");
        Assert.True(runExit == 1, $"the bad export leaves rows in the quarantine: exit {runExit}\n{runOutput}\n{runError}");
        await AddDeadLetterAsync();

        // status --json: the shape of GET /api/status.
        var status = await JsonAsync("status", "--json");
        var intake = status["intake"]!;
        Assert.Equal("PartlySucceeded", intake["lastImportOutcome"]!.GetValue<string>());
        Assert.Equal(8, intake["openQuarantineTotal"]!.GetValue<int>());
        Assert.Equal(["assessments.csv", "patients.csv", "treatments.csv"], intake["openQuarantine"]!.AsArray().Select(q => q!["file"]!.GetValue<string>()));
        var destinations = status["destinations"]!.AsArray();
        Assert.Equal(["hospital-files", "registry-files"], destinations.Select(d => d!["destination"]!.GetValue<string>()));
        var hospital = destinations[0]!;
        Assert.True(hospital["delivered"]!.GetValue<int>() > 0);
        Assert.Equal(0, hospital["pending"]!.GetValue<int>());
        Assert.Equal("Succeeded", hospital["lastRunOutcome"]!.GetValue<string>());
        Assert.True(DateTimeOffset.TryParse(hospital["lastRunAt"]!.GetValue<string>(), out _));

        // runs --json: the shape of GET /api/runs, newest first.
        var runs = (await JsonAsync("runs", "--json")).AsArray();
        Assert.Equal(["registry-files", "hospital-files"], runs.Select(r => r!["destination"]!.GetValue<string>()));
        Assert.All(runs, r =>
        {
            Assert.Equal("Succeeded", r!["outcome"]!.GetValue<string>());
            Assert.Equal("manual", r["trigger"]!.GetValue<string>());
            Assert.True(r["created"]!.GetValue<int>() > 0);
            Assert.Null(r["error"]);
        });
        // Exactly the published fields (SyncRunView), whatever else the run history comes to store.
        Assert.Equal(
            ["id", "destination", "trigger", "startedAt", "finishedAt", "outcome", "considered", "unchanged", "created", "updated", "failed", "blocked", "error"],
            runs[0]!.AsObject().Select(p => p.Key));
        var one = (await JsonAsync("runs", "--json", "--destination", "registry-files", "--take", "1")).AsArray();
        Assert.Equal(runs[0]!["id"]!.GetValue<long>(), Assert.Single(one)!["id"]!.GetValue<long>());

        // quarantine list --json: file, line, column and rule of each of the bad export's eight broken rows; no cells.
        var quarantine = (await JsonAsync("quarantine", "list", "--json")).AsArray();
        Assert.Equal(8, quarantine.Count);
        Assert.All(quarantine, q => Assert.Equal("Open", q!["state"]!.GetValue<string>()));
        var sex = quarantine.Single(q => q!["file"]!.GetValue<string>() == "patients.csv")!;
        Assert.Equal(4, sex["line"]!.GetValue<long>());
        Assert.Equal("sex", sex["column"]!.GetValue<string>());
        Assert.Equal("P-0003", sex["recordId"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(sex["rule"]!.GetValue<string>()));
        Assert.Null(sex["rowJson"]);
        var patients = File.ReadAllLines(Path.Combine(RepositoryPaths.Samples, "bad-export", "patients.csv"));
        var family = patients[3].Split(',')[2];
        Assert.DoesNotContain(family, quarantine.ToJsonString(), StringComparison.Ordinal);

        // dead-letters list --json: the shape of GET /api/dead-letters, with the HTTP status and the reason in words.
        var letters = (await JsonAsync("dead-letters", "list", "--json")).AsArray();
        var letter = Assert.Single(letters)!;
        Assert.Equal("hospital-files", letter["destination"]!.GetValue<string>());
        Assert.Equal("Observation", letter["resourceType"]!.GetValue<string>());
        Assert.Equal(422, letter["status"]!.GetValue<int>());
        Assert.StartsWith("HTTP 422: ", letter["summary"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith("Observation.valueQuantity: value out of range", letter["summary"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("OperationOutcome", JsonNode.Parse(letter["outcome"]!.GetValue<string>())!["resourceType"]!.GetValue<string>());
        Assert.Empty((await JsonAsync("dead-letters", "list", "--json", "--destination", "registry-files")).AsArray());

        // The human output stays a table.
        var (tableExit, table, _) = await CliProcess.RunAsync(_folder, "runs", "--config", "mndfhir.json");
        Assert.Equal(0, tableExit);
        Assert.Matches(@"^\s+run\s+destination\s+trigger\s+started\s+outcome\s+created", table);
        Assert.Contains("2 runs", table, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<JsonNode> JsonAsync(params string[] args)
    {
        var (exit, output, error) = await CliProcess.RunAsync(_folder, [.. args, "--config", "mndfhir.json"]);
        Assert.True(exit == 0, $"{string.Join(' ', args)}: exit {exit}\n{error}");
        try
        {
            return JsonNode.Parse(output)!;
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"{string.Join(' ', args)} wrote no JSON ({ex.Message}):\n{output}");
        }
    }

    /// <summary>What a destination's 422 leaves in the ledger: a Failed entry with its OperationOutcome.</summary>
    private async Task AddDeadLetterAsync()
    {
        var options = new DbContextOptionsBuilder<SqliteMndFhirDbContext>().UseSqlite("Data Source=" + DatabaseFile).Options;
        await using var db = new SqliteMndFhirDbContext(options);
        db.Ledger.Add(new LedgerEntry
        {
            Destination = "hospital-files",
            ResourceType = "Observation",
            BusinessId = "A-999999",
            RecordId = "A-999999",
            ContentHash = "0",
            State = LedgerState.Failed,
            Attempts = 1,
            LastStatus = 422,
            LastError = """{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"Observation.valueQuantity: value out of range"}]}""",
            UpdatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
    }
}
