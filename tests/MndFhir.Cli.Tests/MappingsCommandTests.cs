using System.Text.Json.Nodes;

namespace MndFhir.Cli.Tests;

public sealed class MappingsCommandTests : IDisposable
{
    private readonly string _copy = Path.Combine(Path.GetTempPath(), "mndfhir-map-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Validate_accepts_the_shipped_mappings_and_rejects_a_broken_file_naming_file_and_line()
    {
        var (ok, okOutput, okError) = await CliProcess.RunAsync(RepositoryPaths.Root, "mappings", "validate", "--mappings", RepositoryPaths.Mappings);
        Assert.True(ok == 0, okError);
        Assert.Contains("every clinic code is covered", okOutput, StringComparison.Ordinal);

        RepositoryPaths.CopyMappings(_copy);

        var pain = Path.Combine(_copy, "measures", "pain.yaml");
        File.WriteAllText(pain, File.ReadAllText(pain).Replace("system: loinc", "system: lonic", StringComparison.Ordinal));
        var line = File.ReadAllLines(pain).Select((l, i) => (l, i)).First(x => x.l.Contains("lonic", StringComparison.Ordinal)).i + 1;

        var (exit, _, error) = await CliProcess.RunAsync(RepositoryPaths.Root, "mappings", "validate", "--mappings", _copy);

        Assert.Equal(1, exit);
        Assert.Contains($"{pain}:{line}: unknown code system 'lonic'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_rejects_a_broken_profile_and_a_treatment_naming_a_profile_that_does_not_exist()
    {
        RepositoryPaths.CopyMappings(_copy);

        var profile = Path.Combine(_copy, "profiles", "mnd-stem-cell-procedure.json");
        File.WriteAllText(profile, File.ReadAllText(profile).Replace("\"Procedure.performed[x]\"", "\"Procedure.performedWhen\"", StringComparison.Ordinal));
        var treatments = Path.Combine(_copy, "treatments.yaml");
        var lines = File.ReadAllLines(treatments);
        var first = Array.FindIndex(lines, l => l.Contains("profile: mnd-stem-cell-procedure", StringComparison.Ordinal));
        lines[first] = lines[first].Replace("mnd-stem-cell-procedure", "mnd-no-such-profile", StringComparison.Ordinal);
        File.WriteAllLines(treatments, lines);
        var item = Array.FindLastIndex(lines, first, l => l.TrimStart().StartsWith("- code:", StringComparison.Ordinal)) + 1;

        var (exit, _, error) = await CliProcess.RunAsync(RepositoryPaths.Root, "mappings", "validate", "--mappings", _copy);

        Assert.Equal(1, exit);
        Assert.Contains($"{treatments}:{item}: profile 'mnd-no-such-profile' is not a StructureDefinition in profiles/", error, StringComparison.Ordinal);

        File.WriteAllLines(treatments, File.ReadAllLines(Path.Combine(RepositoryPaths.Mappings, "treatments.yaml")));
        (exit, _, error) = await CliProcess.RunAsync(RepositoryPaths.Root, "mappings", "validate", "--mappings", _copy);

        Assert.Equal(1, exit);
        Assert.Contains(Path.Combine(_copy, "profiles", "mnd-stem-cell-procedure.json") + ": ", error, StringComparison.Ordinal);
        Assert.Contains("performedWhen", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("codesystems")]
    [InlineData("coverage")]
    public async Task A_bad_configuration_stops_a_mappings_command_with_one_line_naming_the_key_and_exit_2(string command)
    {
        // Before: these commands skipped the configuration check every other command runs: an unknown key and a
        // destination of an unknown Kind passed silently, a mappings folder that does not exist was "1 problems" (exit 1)
        // from validate and two lines from the others, an identifier system that is not a URL an "Unexpected error" (exit 10).
        var export = SmallExport();
        var cases = new (Action<JsonObject> Break, string Key)[]
        {
            (c => c["Clinc"] = new JsonObject(), "Clinc: unknown section"),
            (c => c["Clinic"]!["MappingsPath"] = "no-such-mappings", "Clinic:MappingsPath"),
            (c => c["Clinic"]!["IdentifierSystem"] = "not a url", "Clinic:IdentifierSystem"),
            (c => c["Destinations"] = new JsonArray(new JsonObject { ["Name"] = "x", ["Kind"] = "FhirRst", ["BaseUrl"] = "http://127.0.0.1:9/" }), "Destinations:0:Kind"),
        };
        foreach (var (breakIt, key) in cases)
        {
            var config = new JsonObject { ["Clinic"] = new JsonObject { ["MappingsPath"] = RepositoryPaths.Mappings, ["ExportPath"] = export } };
            breakIt(config);
            await File.WriteAllTextAsync(Path.Combine(_copy, "bad.json"), config.ToJsonString());
            string[] args = command switch
            {
                "validate" => ["mappings", "validate", "--config", "bad.json"],
                "codesystems" => ["mappings", "codesystems", "--config", "bad.json", "--out", Path.Combine(_copy, "codesystems")],
                _ => ["mappings", "coverage", "--config", "bad.json", "--out", Path.Combine(_copy, "coverage.md")],
            };

            var (exit, output, error) = await CliProcess.RunAsync(_copy, args);

            Assert.True(exit == 2, $"{key}: exit {exit}\n{output}\n{error}");
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("mndfhir: ", line, StringComparison.Ordinal);
            Assert.Contains(key, line, StringComparison.Ordinal);
            Assert.Equal(string.Empty, output);
            Assert.False(Directory.Exists(Path.Combine(_copy, "codesystems")), "nothing is written for a bad configuration");
            Assert.False(File.Exists(Path.Combine(_copy, "coverage.md")), "nothing is written for a bad configuration");
        }
    }

    [Theory]
    [InlineData("validate --mappings no-such-mappings", "--mappings")]
    [InlineData("codesystems --mappings no-such-mappings", "--mappings")]
    [InlineData("coverage --export no-such-export", "--export")]
    public async Task A_folder_option_that_does_not_exist_is_one_usage_line_naming_the_option(string command, string option)
    {
        // Before: validate said "1 problems" (exit 1), coverage "Could not find a part of the path '.../patients.csv'".
        Directory.CreateDirectory(_copy);

        var (exit, output, error) = await CliProcess.RunAsync(_copy, ["mappings", .. command.Split(' '), "--config", WriteConfig()]);

        Assert.True(exit == 2, $"exit {exit}\n{output}\n{error}");
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"mndfhir: {option}: the folder {Path.Combine(_copy, option == "--export" ? "no-such-export" : "no-such-mappings")} does not exist", line, StringComparison.Ordinal);
    }

    /// <summary>A sound configuration in the test's folder (the shipped mappings, a small export); its file name.</summary>
    private string WriteConfig()
    {
        var config = new JsonObject { ["Clinic"] = new JsonObject { ["MappingsPath"] = RepositoryPaths.Mappings, ["ExportPath"] = SmallExport() } };
        File.WriteAllText(Path.Combine(_copy, "mndfhir.json"), config.ToJsonString());
        return "mndfhir.json";
    }

    /// <summary>The samples' first three patients, nothing else, in the test's folder.</summary>
    private string SmallExport()
    {
        var export = Path.Combine(_copy, "small-export");
        Directory.CreateDirectory(export);
        foreach (var (file, take) in new[] { ("patients.csv", 4), ("treatments.csv", 1), ("assessments.csv", 1) })
        {
            File.WriteAllLines(Path.Combine(export, file), File.ReadLines(Path.Combine(RepositoryPaths.Samples, "clinic-export", file)).Take(take));
        }

        return export;
    }

    public void Dispose()
    {
        if (Directory.Exists(_copy))
        {
            Directory.Delete(_copy, recursive: true);
        }
    }
}
