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

    public void Dispose()
    {
        if (Directory.Exists(_copy))
        {
            Directory.Delete(_copy, recursive: true);
        }
    }
}
