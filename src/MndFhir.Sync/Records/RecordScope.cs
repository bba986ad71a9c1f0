namespace MndFhir.Sync.Records;

/// <summary>
/// Which stored records a plan covers: every record, only those of consenting patients (registries), or the records of
/// some patients or some single records (the dry run).
/// </summary>
public sealed record RecordScope
{
    public static readonly RecordScope Everything = new();

    public static readonly RecordScope ConsentingPatients = new() { ConsentingOnly = true };

    /// <summary>What a destination may receive: registries only the records of consenting patients.</summary>
    public static RecordScope For(Configuration.DestinationOptions destination) => destination.RequiresRegistryConsent ? ConsentingPatients : Everything;

    /// <summary>Only patients with registry_consent = yes, and their records.</summary>
    public bool ConsentingOnly { get; init; }

    /// <summary>Only patients with registry_consent = no, and their records: what a registry may hold from before a withdrawal.</summary>
    public bool NonConsentingOnly { get; init; }

    /// <summary>When set: these patients and all their records.</summary>
    public IReadOnlyCollection<string>? PatientIds { get; init; }

    /// <summary>When set (and no <see cref="PatientIds"/>): these treatments and assessments only.</summary>
    public IReadOnlyCollection<string>? RecordIds { get; init; }
}
