using Hl7.Fhir.Model;
using MndFhir.Identity;

namespace MndFhir.Mapping;

/// <summary>
/// Turns the business identity of a referenced resource into a FHIR reference for one destination:
/// the server's own id where the ledger knows it, a conditional reference for a dry run, a logical id for files.
/// Returns null when the target is not (yet) on the destination; the referring resource then waits.
/// </summary>
public interface IReferenceResolver
{
    ResourceReference? Resolve(ResourceKey target);
}
