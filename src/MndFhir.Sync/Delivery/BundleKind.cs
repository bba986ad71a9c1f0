namespace MndFhir.Sync.Delivery;

/// <summary>How a bundle of several requests is processed: all or nothing (transaction) or entry by entry (batch).</summary>
public enum BundleKind
{
    Transaction,
    Batch,
}
