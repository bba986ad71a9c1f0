using System.Buffers;
using System.IO.Hashing;
using System.Text;
using MndFhir.Identity;

namespace MndFhir.Sync.Ledger;

/// <summary>
/// The ledger of one destination held in memory for one sync, compact enough for a million resources (about 70 bytes
/// each, plus the server id's string where it is not the business id): each key is held as 128 bits of a hash of
/// its type and business id, not as strings, and a server id equal to the business id (a file destination's ids) is
/// not held twice. Updated as the server confirms deliveries, so later tiers resolve references to resources sent
/// moments ago. Safe for the pipeline's two sides: the planner reads while the sender records.
/// </summary>
public sealed class LedgerSnapshot
{
    private readonly Dictionary<Key, Held> _entries = [];
    private readonly Lock _lock = new();

    public LedgerSnapshot(string destination)
    {
        Destination = destination;
    }

    public string Destination { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public LedgerSnapshotEntry? this[ResourceKey key]
    {
        get
        {
            var k = KeyOf(key.ResourceType, key.BusinessId);
            Held held;
            lock (_lock)
            {
                if (!_entries.TryGetValue(k, out held))
                {
                    return null;
                }
            }

            return new LedgerSnapshotEntry(held.Id, new UInt128(held.HashHigh, held.HashLow), held.ServerIsBusinessId ? key.BusinessId : held.ServerId, held.Delivered, held.Legacy);
        }
    }

    public void Set(ResourceKey key, LedgerSnapshotEntry entry) => Set(key.ResourceType, key.BusinessId, entry);

    public void Set(string resourceType, string businessId, LedgerSnapshotEntry entry)
    {
        var k = KeyOf(resourceType, businessId);
        var same = entry.ServerId is not null && string.Equals(entry.ServerId, businessId, StringComparison.Ordinal);
        var held = new Held(entry.Id, (ulong)(entry.Hash >> 64), (ulong)entry.Hash, same ? null : entry.ServerId, entry.Delivered, same, entry.Legacy);
        lock (_lock)
        {
            _entries[k] = held;
        }
    }

    public void Remove(ResourceKey key)
    {
        var k = KeyOf(key.ResourceType, key.BusinessId);
        lock (_lock)
        {
            _entries.Remove(k);
        }
    }

    /// <summary>Room for <paramref name="count"/> resources at once (a sync knows how many it plans): no growth by doubling.</summary>
    public void EnsureCapacity(int count)
    {
        lock (_lock)
        {
            _entries.EnsureCapacity(count);
        }
    }

    // Two ulongs rather than UInt128, whose 16-byte alignment would pad every entry.
    private readonly record struct Key(ulong High, ulong Low);

    private readonly record struct Held(long Id, ulong HashHigh, ulong HashLow, string? ServerId, bool Delivered, bool ServerIsBusinessId, bool Legacy);

    /// <summary>
    /// 128 bits of XXH3 over "type/business id" (in memory only, never stored): two keys of one ledger never share them
    /// in practice, and it costs a small part of the SHA-256 it replaced (which was a tenth of a no-change resync).
    /// </summary>
    private static Key KeyOf(string resourceType, string businessId)
    {
        var length = Encoding.UTF8.GetMaxByteCount(resourceType.Length + businessId.Length + 1);
        var rented = length <= 512 ? null : ArrayPool<byte>.Shared.Rent(length);
        Span<byte> text = rented ?? stackalloc byte[512];
        try
        {
            var n = Encoding.UTF8.GetBytes(resourceType, text);
            text[n++] = (byte)'/';
            n += Encoding.UTF8.GetBytes(businessId, text[n..]);
            var hash = XxHash128.HashToUInt128(text[..n]);
            return new Key((ulong)(hash >> 64), (ulong)hash);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
