using Hl7.Fhir.Model;
using MndFhir.Identity;

namespace MndFhir.Mapping;

/// <summary>Resolves the references of one resource being mapped and remembers which could not be resolved.</summary>
internal sealed class ReferenceCollector(IReferenceResolver resolver, MappingTrace? trace = null)
{
    /// <summary>The explanation being collected, or null when nobody asked for one.</summary>
    public MappingTrace? Trace { get; } = trace;

    private readonly List<ResourceKey> _references = [];
    private readonly List<ResourceKey> _unresolved = [];

    public ResourceReference To(ResourceKey target)
    {
        _references.Add(target);
        var reference = resolver.Resolve(target);
        if (reference is not null)
        {
            return reference;
        }

        _unresolved.Add(target);
        return new ResourceReference { Type = target.ResourceType, Display = "unresolved" };
    }

    /// <param name="retracted">The resource says its record was withdrawn (entered-in-error, or gone from the export).</param>
    public MappedResource Result(ResourceKey key, string recordId, Resource resource, bool retracted) =>
        new(key, recordId, resource, _references.ToArray()) { Unresolved = _unresolved.ToArray(), Explanation = Trace?.Entries ?? [], Retracted = retracted };
}
