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
    /// Told, one window ahead, the keys of a window of resources the plan is about to make and of those they refer to
    /// (<see cref="Planning.ResourcePlan"/> makes the <see cref="Planning.ResourcePlan.BulkResourceTypes"/> in
    /// windows); the plan maps the window once the returned task is done, and maps the window before it meanwhile. A
    /// resolver that reads a store reads them in one go here. A hint only: <see cref="Resolve"/> must answer for any
    /// target, announced or not.
    /// </summary>
    System.Threading.Tasks.Task PrepareAsync(UpcomingKeys upcoming, CancellationToken ct) => System.Threading.Tasks.Task.CompletedTask;
}
