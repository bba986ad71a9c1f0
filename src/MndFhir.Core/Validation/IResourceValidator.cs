using Hl7.Fhir.Model;

namespace MndFhir.Validation;

/// <summary>
/// Validates a produced resource against FHIR R4 and the project's profiles (mappings/profiles) before it may be
/// sent. Implementations are thread-safe and hold no per-resource state.
/// </summary>
public interface IResourceValidator
{
    ValidationReport Validate(Resource resource);

    /// <summary>
    /// The same, for a caller that already holds the content hash of the resource's compact JSON (<c>FhirJson.ContentHash</c>), as
    /// the sync does for every change-set item, so that a validator keyed by content need not compute it again.
    /// </summary>
    ValidationReport Validate(Resource resource, string contentHash) => Validate(resource);

    /// <summary>
    /// For a caller about to validate resources of <paramref name="resourceTypes"/> whose shapes are likely new (a first
    /// sync): get ready in the background (build what validation will need), so that the first resources do not wait
    /// for it. Returns at once.
    /// </summary>
    void Prepare(IReadOnlyCollection<string> resourceTypes)
    {
    }
}
