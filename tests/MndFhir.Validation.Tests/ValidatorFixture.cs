using MndFhir.Mapping;
using MndFhir.Tests;

namespace MndFhir.Validation.Tests;

/// <summary>One validator and rule set for the whole test class: the validator compiles FHIR core schemas on first use.</summary>
public sealed class ValidatorFixture
{
    public FirelyResourceValidator Validator { get; } = FirelyResourceValidator.ForMappings(RepositoryPaths.Mappings);

    public MappingSet Rules { get; } = MappingSetLoader.Load(RepositoryPaths.Mappings);
}
