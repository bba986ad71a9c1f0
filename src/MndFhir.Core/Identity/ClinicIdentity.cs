using Hl7.Fhir.Model;

namespace MndFhir.Identity;

/// <summary>
/// The identifier systems of one clinic: every resource carries <c>{IdentifierBase}/{kind}|{clinic id}</c>,
/// the handle that conditional create/update matches on, so a replay never creates a duplicate.
/// </summary>
public sealed class ClinicIdentity
{
    public ClinicIdentity(string identifierBase)
    {
        if (!Uri.TryCreate(identifierBase, UriKind.Absolute, out _))
        {
            throw new ArgumentException($"The clinic identifier base '{identifierBase}' must be an absolute URI.", nameof(identifierBase));
        }

        IdentifierBase = identifierBase.TrimEnd('/');
    }

    public string IdentifierBase { get; }

    /// <summary>The identifier system for one resource type: <c>{IdentifierBase}/observation</c>.</summary>
    public string SystemFor(string resourceType) => $"{IdentifierBase}/{resourceType.ToLowerInvariant()}";

    /// <summary>The identifier system of clinician staff numbers (Procedure.performer).</summary>
    public string StaffSystem => $"{IdentifierBase}/staff";

    public Identifier IdentifierFor(ResourceKey key) => new(SystemFor(key.ResourceType), key.BusinessId)
    {
        Use = Identifier.IdentifierUse.Official,
    };

    /// <summary>
    /// The FHIR search that finds the resource by its business identifier, and only it: <c>Observation?identifier=sys|A-1</c>,
    /// system and value escaped by FHIR's search rules (<see cref="SearchToken"/>), so no clinic id can match another's.
    /// </summary>
    public string ConditionalUrl(ResourceKey key) =>
        $"{key.ResourceType}?identifier={SearchToken.ForQuery(SystemFor(key.ResourceType), key.BusinessId)}";
}
