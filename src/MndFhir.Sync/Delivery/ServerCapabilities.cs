namespace MndFhir.Sync.Delivery;

/// <summary>What a server's CapabilityStatement says about the interactions MndFhir uses.</summary>
public sealed record ServerCapabilities(IReadOnlySet<string> SystemInteractions)
{
    /// <summary>Transaction when the server declares it, or declares neither; batch when it has batch only.</summary>
    public BundleKind PreferredBundle => SystemInteractions.Contains("transaction") || !SystemInteractions.Contains("batch") ? BundleKind.Transaction : BundleKind.Batch;
}
