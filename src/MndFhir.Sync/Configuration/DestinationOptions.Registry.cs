using System.ComponentModel.DataAnnotations;

namespace MndFhir.Sync.Configuration;

/// <summary>What a registry may receive: pseudonyms instead of clinic ids, dates, and what happens when consent is withdrawn.</summary>
public sealed partial class DestinationOptions
{
    /// <summary>
    /// Send keyed pseudonyms instead of the clinic's ids and the MRN, no names, no free text, no performer, the birth year
    /// only (docs/data-contract.md, "Pseudonymised registries"). Needs <see cref="PseudonymKeyVariable"/> or <see cref="PseudonymKeyFile"/>.
    /// </summary>
    public bool Pseudonymise { get; set; }

    /// <summary>The environment variable holding the pseudonym key (at least 32 bytes; never the key itself).</summary>
    public string? PseudonymKeyVariable { get; set; }

    /// <summary>A file holding the pseudonym key (at least 32 bytes, trailing whitespace ignored), outside the repository.</summary>
    public string? PseudonymKeyFile { get; set; }

    /// <summary>
    /// During a key rotation: the environment variable holding the key used until now. The sync deletes at the destination
    /// what it holds under the old pseudonyms, then sends everything under the new ones (docs/operations.md, "Rotating a pseudonym key").
    /// </summary>
    public string? PreviousPseudonymKeyVariable { get; set; }

    /// <summary>The base of the pseudonym identifier systems (<c>{base}/patient</c>, ...); default <c>{Clinic:IdentifierSystem}/pseudonym</c>.</summary>
    [Url]
    public string? PseudonymIdentifierSystem { get; set; }

    /// <summary>0 (default): dates are sent as recorded (the birth date as its year). N: each patient's dates move by a keyed offset of 1 to N days, earlier or later.</summary>
    [Range(0, 3650)]
    public int DateShiftDays { get; set; }

    /// <summary>
    /// For registries (<see cref="RequiresRegistryConsent"/>): what a sync does with what the destination holds of a patient
    /// whose registry_consent is now no. Either way the patient gets no further data.
    /// </summary>
    public ConsentWithdrawnPolicy OnConsentWithdrawn { get; set; } = ConsentWithdrawnPolicy.Retract;

    private IEnumerable<ValidationResult> ValidateRegistry()
    {
        if (Pseudonymise && string.IsNullOrWhiteSpace(PseudonymKeyVariable) == string.IsNullOrWhiteSpace(PseudonymKeyFile))
        {
            yield return new ValidationResult(
                "Pseudonymise needs the key from exactly one of PseudonymKeyVariable (an environment variable) or PseudonymKeyFile.",
                [nameof(PseudonymKeyVariable)]);
        }

        if (!Pseudonymise && (PseudonymKeyVariable ?? PseudonymKeyFile ?? PreviousPseudonymKeyVariable ?? PseudonymIdentifierSystem) is not null)
        {
            yield return new ValidationResult("Pseudonym keys and systems apply only with Pseudonymise: true.", [nameof(Pseudonymise)]);
        }

        if (!Pseudonymise && DateShiftDays != 0)
        {
            yield return new ValidationResult("DateShiftDays applies only with Pseudonymise: true.", [nameof(DateShiftDays)]);
        }

        if (Pseudonymise && !string.IsNullOrWhiteSpace(HospitalMrnSystem))
        {
            yield return new ValidationResult("HospitalMrnSystem cannot be set with Pseudonymise: true (a pseudonymised destination never receives the MRN).", [nameof(HospitalMrnSystem)]);
        }
    }
}
