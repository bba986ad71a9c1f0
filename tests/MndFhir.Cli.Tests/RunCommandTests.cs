using System.Text.Json.Nodes;

namespace MndFhir.Cli.Tests;

/// <summary>The README's first command, on a copy of the sample configuration: the main job end to end without a server.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-cli-" + Guid.NewGuid().ToString("N")[..12]);

    public RunCommandTests()
    {
        // The sample configuration, with its relative paths pointing into the repository's samples and mappings,
        // and its outputs into a temporary folder.
        Directory.CreateDirectory(_folder);

        // The README's command sets the samples' throw-away registry key; the child processes inherit it.
        Environment.SetEnvironmentVariable("MNDFHIR_SAMPLE_REGISTRY_KEY", "samples-only-not-a-secret-do-not-use-for-real-data");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(CliProcess.RepositoryRoot, "samples", "mndfhir.sample.json")))!;
        config["Clinic"]!["MappingsPath"] = Path.Combine(CliProcess.RepositoryRoot, "mappings");
        config["Clinic"]!["ExportPath"] = Path.Combine(CliProcess.RepositoryRoot, "samples", "clinic-export");
        config["Database"]!["ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db");
        config["Logging"]!["Folder"] = Path.Combine(_folder, "logs");
        config["Destinations"]![0]!["Folder"] = Path.Combine(_folder, "hospital");
        config["Destinations"]![1]!["Folder"] = Path.Combine(_folder, "registry");
        File.WriteAllText(Path.Combine(_folder, "mndfhir.json"), config.ToJsonString());
    }

    [Fact]
    public async Task Run_imports_the_samples_writes_every_resource_once_and_a_second_run_writes_nothing()
    {
        var (exit, output, error) = await CliProcess.RunAsync(_folder, "run", "--config", "mndfhir.json");

        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        Assert.Contains("import patients.csv: 60 rows, 60 new", output, StringComparison.Ordinal);
        Assert.Contains("0 rejected", output, StringComparison.Ordinal);
        var patients = Lines(Path.Combine(_folder, "hospital"), "Patient");
        Assert.Equal(60, patients.Length);
        Assert.Equal(60, patients.Select(l => JsonNode.Parse(l)!["id"]!.GetValue<string>()).Distinct().Count());
        var treatments = File.ReadAllLines(Path.Combine(CliProcess.RepositoryRoot, "samples", "clinic-export", "treatments.csv")).Length - 1;
        Assert.Equal(treatments, Lines(Path.Combine(_folder, "hospital"), "Procedure").Length);

        // The registry receives only the patients who consented.
        var consenting = File.ReadAllLines(Path.Combine(CliProcess.RepositoryRoot, "samples", "clinic-export", "patients.csv"))
            .Skip(1).Count(l => l.Contains(",yes,", StringComparison.Ordinal) || l.EndsWith(",yes", StringComparison.Ordinal));
        Assert.Equal(consenting, Lines(Path.Combine(_folder, "registry"), "Patient").Length);

        // The logs carry no names.
        var firstNames = patients.Select(l => JsonNode.Parse(l)!["name"]?[0]?["family"]?.GetValue<string>()).OfType<string>().ToList();
        var logs = string.Concat(Directory.GetFiles(Path.Combine(_folder, "logs")).Select(File.ReadAllText));
        Assert.NotEmpty(logs);
        Assert.DoesNotContain(firstNames, n => logs.Contains(n, StringComparison.Ordinal));
        Assert.DoesNotContain("samples-only-not-a-secret", logs, StringComparison.Ordinal);

        // The samples' registry is pseudonymised: no names, no clinic patient ids, the birth year only.
        var registry = Lines(Path.Combine(_folder, "registry"), "Patient");
        Assert.All(registry, l => Assert.DoesNotContain("P-0", l, StringComparison.Ordinal));
        Assert.DoesNotContain(firstNames, n => registry.Any(l => l.Contains(n, StringComparison.Ordinal)));
        Assert.All(registry, l => Assert.Equal(4, JsonNode.Parse(l)!["birthDate"]!.GetValue<string>().Length));

        var (exit2, output2, error2) = await CliProcess.RunAsync(_folder, "run", "--config", "mndfhir.json");
        Assert.True(exit2 == 0, $"exit {exit2}\n{output2}\n{error2}");
        Assert.Contains("60 rows, 0 new, 0 changed, 60 unchanged", output2, StringComparison.Ordinal);
        Assert.Equal(2, output2.Split('\n').Count(l => l.Contains(" 0 created, 0 updated", StringComparison.Ordinal)));
        // Nothing changed, so nothing was written: no second (empty) output folder.
        Assert.Single(Directory.GetDirectories(Path.Combine(_folder, "hospital")));
    }

    [Fact]
    public async Task Status_before_any_sync_counts_everything_as_pending()
    {
        var (importExit, _, importError) = await CliProcess.RunAsync(_folder, "import", "--config", "mndfhir.json");
        Assert.True(importExit == 0, importError);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");

        Assert.True(exit == 0, error);
        var line = output.Split('\n').Single(l => l.StartsWith("hospital-files", StringComparison.Ordinal));
        var figures = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("0", figures[1]);
        Assert.True(int.Parse(figures[2], System.Globalization.CultureInfo.InvariantCulture) > 10_000);
        Assert.Equal("0", figures[3]);
    }

    [Fact]
    public async Task Map_writes_the_transaction_bundle_of_a_patient_without_sending_it()
    {
        var (importExit, _, importError) = await CliProcess.RunAsync(_folder, "import", "--config", "mndfhir.json");
        Assert.True(importExit == 0, importError);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "map", "--patient", "P-0001", "--record", "NO-SUCH-ID", "--out", "bundle.json", "--config", "mndfhir.json");

        Assert.Equal(1, exit);
        Assert.Contains("no imported record has the id 'NO-SUCH-ID'", error, StringComparison.Ordinal);
        var bundle = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, "bundle.json")))!;
        Assert.Equal("transaction", bundle["type"]!.GetValue<string>());
        var entries = bundle["entry"]!.AsArray();
        Assert.Contains("map: " + entries.Count + " resources written", output, StringComparison.Ordinal);
        Assert.Equal("Patient", entries[0]!["resource"]!["resourceType"]!.GetValue<string>());
        Assert.All(entries, e =>
        {
            Assert.Equal("PUT", e!["request"]!["method"]!.GetValue<string>());
            Assert.Contains("?identifier=", e["request"]!["url"]!.GetValue<string>(), StringComparison.Ordinal);
        });
        Assert.All(entries.Skip(1), e => Assert.StartsWith("Patient?identifier=", e!["resource"]!["subject"]!["reference"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_folder, "hospital")), "a dry run must not deliver anything");
        Assert.Contains($"map: {entries.Count} resources, 0 invalid", error, StringComparison.Ordinal);

        // The shapes it validated in full are remembered for the next process; never "not remembered" because the
        // command's services were already going (3 of 5 runs before the CLI flushed them first).
        Assert.DoesNotContain("not remembered", error, StringComparison.Ordinal);
        var ids = entries.Select(e => e!["resource"]!["identifier"]![0]!["value"]!.GetValue<string>()).ToList();
        Assert.Contains(ids, id => id.StartsWith("panel:ALSFRSR:", StringComparison.Ordinal));
        Assert.Contains(ids, id => id.StartsWith("derived:ALSFRSR_DFS:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Map_explain_names_for_each_element_the_clinic_columns_and_the_mapping_rule()
    {
        var (importExit, _, importError) = await CliProcess.RunAsync(_folder, "import", "--config", "mndfhir.json");
        Assert.True(importExit == 0, importError);
        var assessments = File.ReadAllLines(Path.Combine(RepositoryPaths.Samples, "clinic-export", "assessments.csv"));
        var fvc = assessments.First(l => l.Split(',')[2] == "FVC").Split(',')[0];
        var fvcLine = File.ReadAllLines(Path.Combine(RepositoryPaths.Mappings, "measures", "respiratory.yaml")).Select((l, i) => (l, i)).First(x => x.l.Contains("code: FVC", StringComparison.Ordinal)).i + 1;

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "map", "--record", fvc, "--explain", "--config", "mndfhir.json");

        Assert.True(exit == 0, error);
        Assert.StartsWith($"Observation/{fvc} (record {fvc})", output, StringComparison.Ordinal);
        Assert.Matches($@"code\s+<- code=FVC\s+rule: measures/respiratory.yaml:{fvcLine}\b", output);
        Assert.Matches(@"valueQuantity\s+<- value=[0-9.]+, unit=(L|mL|ml)\s+rule: measures/respiratory.yaml:\d+ \(value: quantity in L\)", output);
        Assert.Matches(@"meta.profile\s+<- -\s+rule: profiles/mnd-outcome-observation.json", output);
        Assert.DoesNotContain("\"resourceType\"", output, StringComparison.Ordinal);
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

    /// <summary>The lines of every part file of <paramref name="type"/> (<c>{Type}.{part}.ndjson</c>) under <paramref name="folder"/>.</summary>
    private static string[] Lines(string folder, string type) =>
        Directory.GetFiles(folder, type + ".*.ndjson", SearchOption.AllDirectories).Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines).ToArray();
}
