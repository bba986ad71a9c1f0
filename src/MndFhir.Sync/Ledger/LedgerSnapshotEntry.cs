namespace MndFhir.Sync.Ledger;

/// <summary>What the ledger says one destination holds of one resource.</summary>
public sealed record LedgerSnapshotEntry(long Id, string ContentHash, string? ServerId, string? ServerVersion, bool Delivered);
