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

    public ValidationReport Validate(Resource resource)
    {
        var key = resource.TypeName + "|" + FhirJson.Hash(FhirJson.Serialize(resource));
        if (_verdicts.TryGetValue(key, out var known))
        {
            return known;
        }

        var report = inner.Validate(resource);
        if (_verdicts.Count >= capacity)
        {
            _verdicts.Clear();
        }

        _verdicts[key] = report;
        return report;
    }
}
