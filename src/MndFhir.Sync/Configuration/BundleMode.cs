namespace MndFhir.Sync.Configuration;

/// <summary>How resources are sent to a FHIR server.</summary>
public enum BundleMode
{
    /// <summary>Read the server's CapabilityStatement: transactions where supported, else batches.</summary>
    Auto,

    /// <summary>Transaction bundles (all or nothing per bundle; a rejected bundle is split to isolate the bad resources).</summary>
    Transaction,

    /// <summary>Batch bundles (each entry succeeds or fails on its own), for servers without transactions.</summary>
    Batch,
}
