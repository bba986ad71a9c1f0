using Hl7.Fhir.Model;
using MndFhir.Serialization;

namespace MndFhir.Core.Tests.Serialization;

public sealed class FhirJsonWarmUpTests
{
    [Fact]
    public async System.Threading.Tasks.Task The_warm_up_serializes_every_kind_of_resource_once_and_changes_no_output()
    {
        var patient = new Patient { Id = "p", BirthDate = "1960" };
        var before = FhirJson.ContentHash(FhirJson.Serialize(patient));

        await FhirJson.WarmUpAsync();

        Assert.Same(FhirJson.WarmUpAsync(), FhirJson.WarmUpAsync());
        Assert.Equal(before, FhirJson.ContentHash(FhirJson.Serialize(patient)));
    }
}
