using System.Globalization;

namespace MndFhir.Sync.Ledger;

/// <summary>
/// What the ledger says one destination holds of one resource, as compact as a sync of a million resources needs:
/// the content hash kept as its first 128 bits (two resources of one key whose SHA-256 agree in 128 bits and differ
/// after them will not be met), no server version (nothing reads it during a sync).
/// </summary>
public readonly record struct LedgerSnapshotEntry(long Id, UInt128 Hash, string? ServerId, bool Delivered)
{
    public LedgerSnapshotEntry(long id, string contentHash, string? serverId, bool delivered)
        : this(id, Prefix(contentHash), serverId, delivered)
    {
    }

    /// <summary>Whether <paramref name="contentHash"/> (hex SHA-256, as the ledger stores it) is the content held.</summary>
    public bool Holds(string contentHash) => Hash != UInt128.Zero && Prefix(contentHash) == Hash;

    /// <summary>The first 32 hex digits as a number; zero for no hash (an entry that never delivered content).</summary>
    public static UInt128 Prefix(string contentHash) =>
        contentHash.Length >= 32 && UInt128.TryParse(contentHash.AsSpan(0, 32), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) ? value : UInt128.Zero;
}
