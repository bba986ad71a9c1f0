using Hl7.Fhir.Model;
using MndFhir.Serialization;

namespace MndFhir.Sync.Delivery;

/// <summary>The Provenance JSON of one delivered bundle or part, recorded at the moment it is made.</summary>
public sealed class PartProvenance(DeliveryProvenance provenance, TimeProvider clock)
{
    public string Json(IEnumerable<ResourceReference> targets) => FhirJson.Serialize(provenance.Create(targets, clock.GetUtcNow()));
}
