using Hl7.Fhir.Model;
using MndFhir.Identity;

namespace MndFhir.Mapping;

/// <summary>
/// References by business identifier (<c>Patient?identifier=sys|P-1</c>, plus <c>Reference.identifier</c>):
/// what a dry run shows, and what a server that resolves conditional references in transactions accepts.
/// </summary>
public sealed class ConditionalReferenceResolver(ClinicIdentity identity) : IReferenceResolver
{
    public ResourceReference Resolve(ResourceKey target) => new(identity.ConditionalUrl(target))
    {
        Type = target.ResourceType,
        Identifier = new Identifier(identity.SystemFor(target.ResourceType), target.BusinessId),
    };
}
