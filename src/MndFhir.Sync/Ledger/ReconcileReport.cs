using MndFhir.Identity;

namespace MndFhir.Sync.Ledger;

/// <summary>What a reconcile found when it compared a destination's ledger with what the server holds.</summary>
public sealed record ReconcileReport(string Destination)
{
    /// <summary>Resources looked up on the server (every record in the destination's scope).</summary>
    public int Checked { get; set; }

    public int Agreeing { get; set; }

    /// <summary>The ledger says delivered, the server has nothing with that identifier.</summary>
    public List<ResourceKey> Missing { get; } = [];

    /// <summary>The server holds the resource under another id than the ledger says.</summary>
    public List<ResourceKey> Moved { get; } = [];

    /// <summary>The server holds the resource but the ledger has no (delivered) entry for it.</summary>
    public List<ResourceKey> UnknownToLedger { get; } = [];

    /// <summary>More than one resource on the server carries the identifier: never repaired automatically.</summary>
    public List<(ResourceKey Key, IReadOnlyList<string> ServerIds)> Duplicated { get; } = [];

    public bool Repaired { get; set; }

    public bool HasDrift => Missing.Count + Moved.Count + UnknownToLedger.Count + Duplicated.Count > 0;
}
