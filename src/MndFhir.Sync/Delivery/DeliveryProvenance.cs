using Hl7.Fhir.Model;
using MndFhir.Identity;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// Where a delivery comes from, for the Provenance each delivered bundle (FHIR REST) or part (NDJSON) carries: the clinic
/// (an Organization, by its identifier system) as author, the MndFhir adapter (a Device) as assembler, the sync run (an
/// extension) and the clinic export it was imported from (entity, role source: import id and SHA-256 fingerprint). The
/// Provenance is made for each delivery, never hashed or kept in the ledger: it is not a record to reconcile, and a sync
/// with nothing to send sends no Provenance either.
/// </summary>
public sealed record DeliveryProvenance(ClinicIdentity Clinic, string ExtensionBase, long RunId, long? ImportId, string? ExportFingerprint)
{
    /// <summary>The extension carrying the sync run (mappings/profiles/provenance-sync-run.json).</summary>
    public const string SyncRunExtension = "provenance-sync-run";

    private const string Participant = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

    public Provenance Create(IEnumerable<ResourceReference> targets, DateTimeOffset recorded)
    {
        var provenance = new Provenance
        {
            Target = targets.ToList(),
            Recorded = recorded.ToUniversalTime(),
            Agent =
            [
                new Provenance.AgentComponent
                {
                    Type = new CodeableConcept(Participant, "author", "Author"),
                    Who = new ResourceReference
                    {
                        Type = "Organization",
                        Identifier = new Identifier("urn:ietf:rfc:3986", Clinic.IdentifierBase),
                        Display = "The clinic whose records these are",
                    },
                },
                new Provenance.AgentComponent
                {
                    Type = new CodeableConcept(Participant, "assembler", "Assembler"),
                    Who = new ResourceReference
                    {
                        Type = "Device",
                        Identifier = new Identifier($"{Clinic.IdentifierBase}/device", "mndfhir"),
                        Display = "MndFhir FHIR adapter",
                    },
                },
            ],
        };
        provenance.Extension.Add(new Extension($"{ExtensionBase}/{SyncRunExtension}", new Identifier($"{Clinic.IdentifierBase}/sync-run", RunId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        if (ExportFingerprint is { Length: > 0 } fingerprint)
        {
            provenance.Entity.Add(new Provenance.EntityComponent
            {
                Role = Provenance.ProvenanceEntityRole.Source,
                What = new ResourceReference
                {
                    Identifier = new Identifier($"{Clinic.IdentifierBase}/export", fingerprint),
                    Display = ImportId is { } id ? $"clinic export, import {id}" : "clinic export",
                },
            });
        }

        return provenance;
    }
}
