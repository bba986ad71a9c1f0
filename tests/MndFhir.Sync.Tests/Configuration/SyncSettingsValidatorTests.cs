using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Tests.Configuration;

/// <summary>Configuration mistakes are refused at start, naming the destination, before anything is sent.</summary>
public sealed class SyncSettingsValidatorTests
{
    [Theory]
    [InlineData("https://fhir.hospital.example/fhir/R4/", null, false)]
    [InlineData("https://fhir.hospital.example/fhir/R4/", "https://clinic.example.org/fhir/sid/mnd-clinic", true)]
    [InlineData("http://127.0.0.1:8103/fhir/R4/", null, true)]
    public void The_example_identifier_system_is_refused_for_a_real_fhir_server(string baseUrl, string? identifierSystem, bool accepted)
    {
        var values = new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Clinic:IdentifierSystem"] = identifierSystem,
            ["Destinations:0:Name"] = "hospital",
            ["Destinations:0:Kind"] = "FhirRest",
            ["Destinations:0:BaseUrl"] = baseUrl,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values.Where(v => v.Value is not null)).Build();
        using var services = new ServiceCollection().AddLogging().AddMndFhirSync(configuration, Path.GetTempPath()).BuildServiceProvider();

        var read = () => services.GetRequiredService<IOptions<SyncSettings>>().Value;

        if (accepted)
        {
            Assert.Single(read().Destinations);
        }
        else
        {
            var error = Assert.Throws<OptionsValidationException>(read);
            Assert.Contains("Destination 'hospital': Clinic:IdentifierSystem is still the example", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("NdjsonFolder", null, 2000)]
    [InlineData("NdjsonFolder", "50000", 50_000)]
    [InlineData("NdjsonFolder", "50001", null)]
    [InlineData("FhirRest", null, 100)]
    [InlineData("FhirRest", "1000", 1000)]
    [InlineData("FhirRest", "1001", null)]
    [InlineData("FhirRest", "0", null)]
    public void The_batch_size_defaults_and_limits_depend_on_the_kind_of_destination(string kind, string? configured, int? expected)
    {
        var values = new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Destinations:0:Name"] = "target",
            ["Destinations:0:Kind"] = kind,
            ["Destinations:0:BaseUrl"] = "http://127.0.0.1:8103/fhir/R4/",
            ["Destinations:0:Folder"] = "out",
            ["Destinations:0:BatchSize"] = configured,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values.Where(v => v.Value is not null)).Build();
        using var services = new ServiceCollection().AddLogging().AddMndFhirSync(configuration, Path.GetTempPath()).BuildServiceProvider();

        var read = () => services.GetRequiredService<IOptions<SyncSettings>>().Value;

        if (expected is { } size)
        {
            Assert.Equal(size, Assert.Single(read().Destinations).BatchSize);
        }
        else
        {
            var error = Assert.Throws<OptionsValidationException>(read);
            Assert.Contains($"BatchSize must be between 1 and {(kind == "FhirRest" ? 1000 : 50_000)} for {kind} (it is {configured})", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Two_ndjson_destinations_cannot_share_a_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "shared-out");
        var values = new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Destinations:0:Name"] = "hospital-files",
            ["Destinations:0:Kind"] = "NdjsonFolder",
            ["Destinations:0:Folder"] = folder,
            ["Destinations:1:Name"] = "registry-files",
            ["Destinations:1:Kind"] = "NdjsonFolder",
            ["Destinations:1:Folder"] = folder + Path.DirectorySeparatorChar,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        using var services = new ServiceCollection().AddLogging().AddMndFhirSync(configuration, Path.GetTempPath()).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SyncSettings>>().Value);

        Assert.Contains($"Destinations 'hospital-files', 'registry-files' share the folder {folder}", error.Message, StringComparison.Ordinal);
    }
}
