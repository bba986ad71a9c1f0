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

    /// <summary>
    /// Says which targets the next resources mapped will refer to, so a resolver that reads them from a store reads
    /// them in one go rather than one at a time (<see cref="Planning.ResourcePlan"/> calls it before each window of
    /// resources whose references point at <see cref="Planning.ResourcePlan.BulkResourceTypes"/>). A hint only:
    /// <see cref="Resolve"/> must answer for any target, announced or not.
    /// </summary>
    ValueTask PrefetchAsync(IReadOnlyCollection<ResourceKey> targets, CancellationToken ct) => ValueTask.CompletedTask;
}
