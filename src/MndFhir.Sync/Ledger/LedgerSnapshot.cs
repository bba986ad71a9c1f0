using MndFhir.Identity;

namespace MndFhir.Sync.Ledger;

/// <summary>
/// The ledger of one destination held in memory for one sync: a few short strings per resource.
/// Updated as the server confirms deliveries, so later tiers resolve references to resources sent moments ago.
/// </summary>
public sealed class LedgerSnapshot
{
    private readonly Dictionary<ResourceKey, LedgerSnapshotEntry> _entries;

    public LedgerSnapshot(string destination, Dictionary<ResourceKey, LedgerSnapshotEntry> entries)
    {
        Destination = destination;
        _entries = entries;
    }

    public string Destination { get; }

    public int Count => _entries.Count;

    public LedgerSnapshotEntry? this[ResourceKey key] => _entries.GetValueOrDefault(key);

    public void Set(ResourceKey key, LedgerSnapshotEntry entry) => _entries[key] = entry;

    public void Remove(ResourceKey key) => _entries.Remove(key);
}
