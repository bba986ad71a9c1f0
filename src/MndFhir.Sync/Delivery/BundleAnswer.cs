namespace MndFhir.Sync.Delivery;

/// <summary>A server's answer to a bundle: one answer per entry, in order; or the rejection of the bundle as a whole.</summary>
public sealed record BundleAnswer(IReadOnlyList<BundleEntryAnswer> Entries, FhirRejection? Rejection)
{
    public static BundleAnswer Rejected(FhirRejection rejection) => new([], rejection);
}
