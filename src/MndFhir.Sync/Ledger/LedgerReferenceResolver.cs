using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Mapping;

namespace MndFhir.Sync.Ledger;

/// <summary>
/// Resolves references to the id the destination gave the target (<c>Patient/123</c>), as the ledger recorded it,
/// with the business identifier alongside for readers. A target the destination has never confirmed stays unresolved,
/// so a resource is never sent pointing at the wrong or a missing patient, whatever the server does with urn:uuid.
/// </summary>
public sealed class LedgerReferenceResolver(LedgerSnapshot ledger, ClinicIdentity identity) : IReferenceResolver
{
    public ResourceReference? Resolve(ResourceKey target) =>
        ledger[target] is { ServerId: { } id }
            ? new ResourceReference($"{target.ResourceType}/{id}")
            {
                Identifier = new Identifier(identity.SystemFor(target.ResourceType), target.BusinessId),
            }
            : null;

    /// <summary>On a pool thread, so the window before is mapped meanwhile: SQLite's provider reads synchronously, even when asked to read asynchronously.</summary>
    public System.Threading.Tasks.Task PrepareAsync(UpcomingKeys upcoming, CancellationToken ct) => System.Threading.Tasks.Task.Run(() => ledger.FetchAsync(upcoming, ct), ct);
}
