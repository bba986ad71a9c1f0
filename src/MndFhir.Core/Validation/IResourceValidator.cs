using Hl7.Fhir.Model;

namespace MndFhir.Validation;

/// <summary>
/// Validates a produced resource against FHIR R4 and the project's profiles (mappings/profiles) before it may be
/// sent. Implementations are thread-safe and hold no per-resource state.
/// </summary>
public interface IResourceValidator
{
    ValidationReport Validate(Resource resource);
}
