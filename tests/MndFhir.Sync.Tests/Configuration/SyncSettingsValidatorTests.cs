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
}
