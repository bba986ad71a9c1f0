using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using MndFhir.Serialization;
using MndFhir.Tests;
using Task = System.Threading.Tasks.Task;

namespace MndFhir.Validation.Tests;

/// <summary>
/// The core definitions kept as JSON (<see cref="CoreDefinitions"/>): a process that finds them in the folder does not
/// open the specification zip, reads what was read from the zip, and its validator finds the same outcomes, to the
/// last message, as one that reads the zip.
/// </summary>
public sealed class CoreDefinitionsTests : IDisposable
{
    private const string PatientUrl = "http://hl7.org/fhir/StructureDefinition/Patient";

    private readonly string _folder = Directory.CreateTempSubdirectory("mndfhir-definitions-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_definition_read_from_the_zip_is_kept_and_the_next_process_reads_it_without_opening_the_zip()
    {
        var first = Definitions(_folder);
        var fromZip = await first.TryResolveByCanonicalUriAsync(PatientUrl);

        Assert.True(fromZip.Success);
        Assert.True(first.ZipOpened);
        Assert.Equal(1, first.FromZip);
        Assert.Single(Directory.GetFiles(_folder, "*.json"));

        var next = Definitions(_folder, zip: () => throw new InvalidOperationException("the zip must not be opened"));
        var kept = await next.TryResolveByCanonicalUriAsync(PatientUrl);

        Assert.True(kept.Success);
        Assert.False(next.ZipOpened);
        Assert.Equal(FhirJson.Serialize(fromZip.Value!), FhirJson.Serialize(kept.Value!));
        Assert.Equal("Patient", ((StructureDefinition)kept.Value!).Type);
    }

    [Fact]
    public async Task A_uri_the_specification_does_not_hold_is_remembered_as_absent_with_the_zips_own_error()
    {
        const string missing = "http://hl7.org/fhirpath/System.String";
        var first = Definitions(_folder);
        var fromZip = await first.TryResolveByCanonicalUriAsync(missing);

        var next = Definitions(_folder, zip: () => throw new InvalidOperationException("the zip must not be opened"));
        var kept = await next.TryResolveByCanonicalUriAsync(missing);

        Assert.False(fromZip.Success);
        Assert.False(kept.Success);
        Assert.Equal(fromZip.Error!.ErrorCode, kept.Error!.ErrorCode);
        Assert.False(next.ZipOpened);
    }

    [Fact]
    public async Task A_damaged_file_is_read_from_the_zip_again_and_replaced()
    {
        await Definitions(_folder).TryResolveByCanonicalUriAsync(PatientUrl);
        var file = Assert.Single(Directory.GetFiles(_folder, "*.json"));
        await File.WriteAllTextAsync(file, "{\"resourceType\":\"StructureDefinition\",\"url\":");

        var next = Definitions(_folder);
        var result = await next.TryResolveByCanonicalUriAsync(PatientUrl);

        Assert.True(result.Success);
        Assert.Equal(1, next.FromZip);
        Assert.Equal(PatientUrl, FhirJson.Deserialize<StructureDefinition>(await File.ReadAllTextAsync(file)).Url);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public async Task The_uri_and_the_canonical_uri_of_one_definition_are_kept_apart()
    {
        var definitions = Definitions(_folder);

        await definitions.TryResolveByCanonicalUriAsync(PatientUrl);
        await definitions.TryResolveByUriAsync(PatientUrl);

        Assert.Equal(2, Directory.GetFiles(_folder, "*.json").Length);
        Assert.Equal(2, definitions.FromZip);
    }

    [Fact]
    public void The_folder_is_named_by_the_specification_and_can_be_moved_or_turned_off()
    {
        var zip = FirelyResourceValidator.SpecificationZip;
        var before = Environment.GetEnvironmentVariable(CoreDefinitions.FolderVariable);
        try
        {
            Environment.SetEnvironmentVariable(CoreDefinitions.FolderVariable, _folder);
            var folder = CoreDefinitions.FolderFor(zip);
            Environment.SetEnvironmentVariable(CoreDefinitions.FolderVariable, "off");
            var off = CoreDefinitions.FolderFor(zip);

            Assert.NotNull(folder);
            Assert.Equal(_folder, Path.GetDirectoryName(folder));
            Assert.Matches($"^fhir-r4-definitions-[0-9a-f]{{16}}-v{CoreDefinitions.Version}$", Path.GetFileName(folder));
            Assert.True(Directory.Exists(folder));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder!));
            }

            Assert.Null(off);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CoreDefinitions.FolderVariable, before);
        }
    }

    [Fact]
    public async Task A_validator_reading_the_kept_definitions_finds_the_same_outcomes_as_one_reading_the_zip()
    {
        var golden = Directory.GetFiles(Path.Combine(RepositoryPaths.Samples, "golden"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => FhirJson.Deserialize<Resource>(File.ReadAllText(f)))
            .ToList();
        var resources = golden.Concat(golden.Where((_, i) => i % 4 == 0).SelectMany(FastPathDifferentialTests.Breakages)).ToList();

        var zip = await FirelyResourceValidator.ForMappingsAsync(RepositoryPaths.Mappings, coreDefinitionsFolder: null);
        var filling = await FirelyResourceValidator.ForMappingsAsync(RepositoryPaths.Mappings, _folder);
        var expected = resources.Select(r => Outcome(zip, r)).ToList();
        var whileFilling = resources.Select(r => Outcome(filling, r)).ToList();
        var reading = await FirelyResourceValidator.ForMappingsAsync(RepositoryPaths.Mappings, _folder);
        var fromFolder = resources.Select(r => Outcome(reading, r)).ToList();

        Assert.True(expected.Count(o => o.Length > 0) > 50, "the breakages must break something");
        Assert.Equal(expected, whileFilling);
        Assert.Equal(expected, fromFolder);
        Assert.True(filling.Core.FromZip > 20);
        Assert.False(reading.Core.ZipOpened);
        Assert.Equal(zip.CheckProfiles(), reading.CheckProfiles());
    }

    private static string Outcome(FirelyResourceValidator validator, Resource resource) =>
        string.Join("\n", validator.Validate(resource).Lines(includeWarnings: true));

    private static CoreDefinitions Definitions(string folder, Func<IAsyncResourceResolver>? zip = null) =>
        new(zip ?? (() => new ZipSource(FirelyResourceValidator.SpecificationZip)), r => r, folder);
}
