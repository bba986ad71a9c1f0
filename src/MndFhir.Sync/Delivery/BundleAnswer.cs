namespace MndFhir.Sync.Delivery;

/// <summary>A server's answer to a bundle: one answer per entry, in order; or the rejection of the bundle as a whole.</summary>
public sealed record BundleAnswer(IReadOnlyList<BundleEntryAnswer> Entries, FhirRejection? Rejection)
{
    /// <summary>How long the server took to answer the attempt it answered (retries, timeouts and lost connections before it not counted).</summary>
    public TimeSpan? Answered { get; init; }

    public static BundleAnswer Rejected(FhirRejection rejection) => new([], rejection);
}
