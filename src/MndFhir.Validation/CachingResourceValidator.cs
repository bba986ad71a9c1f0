using System.Collections.Concurrent;
using Hl7.Fhir.Model;
using MndFhir.Serialization;

namespace MndFhir.Validation;

/// <summary>
/// Remembers verdicts by the SHA-256 of the resource's JSON, so the same content is validated once per process even
/// when several destinations receive it (the hospital and each registry get the same Observations). The profiles do
/// not change while a process runs, so a verdict never goes stale. Bounded: past <paramref name="capacity"/> entries
/// the memory is dropped and starts again (a few MB per 10,000 entries).
/// </summary>
public sealed class CachingResourceValidator(IResourceValidator inner, int capacity = 100_000) : IResourceValidator
{
    private readonly ConcurrentDictionary<string, ValidationReport> _verdicts = new(StringComparer.Ordinal);

    public ValidationReport Validate(Resource resource) => Validate(resource, FhirJson.Hash(FhirJson.Serialize(resource)));

    /// <param name="contentHash">The SHA-256 of the resource's compact JSON, which names its type as well as its content.</param>
    public ValidationReport Validate(Resource resource, string contentHash)
    {
        if (_verdicts.TryGetValue(contentHash, out var known))
        {
            return known;
        }

        var report = inner.Validate(resource);
        if (_verdicts.Count >= capacity)
        {
            _verdicts.Clear();
        }

        _verdicts[contentHash] = report;
        return report;
    }
}
