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

        foreach (var file in Directory.GetFiles(RepositoryPaths.Mappings, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_copy, Path.GetRelativePath(RepositoryPaths.Mappings, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var pain = Path.Combine(_copy, "measures", "pain.yaml");
        File.WriteAllText(pain, File.ReadAllText(pain).Replace("system: loinc", "system: lonic", StringComparison.Ordinal));
        var line = File.ReadAllLines(pain).Select((l, i) => (l, i)).First(x => x.l.Contains("lonic", StringComparison.Ordinal)).i + 1;

        var (exit, _, error) = await CliProcess.RunAsync(RepositoryPaths.Root, "mappings", "validate", "--mappings", _copy);

        Assert.Equal(1, exit);
        Assert.Contains($"{pain}:{line}: unknown code system 'lonic'", error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_copy))
        {
            Directory.Delete(_copy, recursive: true);
        }
    }
}
