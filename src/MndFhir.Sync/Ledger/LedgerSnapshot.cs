using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MndFhir.Identity;

namespace MndFhir.Sync.Ledger;

/// <summary>
/// The ledger of one destination held in memory for one sync, compact enough for a million resources (about 110 bytes
/// each, the server id's string included): each key is held as 128 bits of the SHA-256 of its type and business id,
/// not as strings. Updated as the server confirms deliveries, so later tiers resolve references to resources sent
/// moments ago. Safe for the pipeline's two sides: the planner reads while the sender records.
/// </summary>
public sealed class LedgerSnapshot
{
    private readonly Dictionary<UInt128, LedgerSnapshotEntry> _entries = [];
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
            lock (_lock)
            {
                return _entries.TryGetValue(k, out var entry) ? entry : null;
            }
        }
    }

    public void Set(ResourceKey key, LedgerSnapshotEntry entry) => Set(key.ResourceType, key.BusinessId, entry);

    public void Set(string resourceType, string businessId, LedgerSnapshotEntry entry)
    {
        var k = KeyOf(resourceType, businessId);
        lock (_lock)
        {
            _entries[k] = entry;
        }
    }

    /// <summary>128 bits of SHA-256 over "type/business id": two keys of one ledger never share them in practice.</summary>
    private static UInt128 KeyOf(string resourceType, string businessId)
    {
        var length = Encoding.UTF8.GetMaxByteCount(resourceType.Length + businessId.Length + 1);
        var rented = length <= 512 ? null : ArrayPool<byte>.Shared.Rent(length);
        Span<byte> text = rented ?? stackalloc byte[512];
        try
        {
            var n = Encoding.UTF8.GetBytes(resourceType, text);
            text[n++] = (byte)'/';
            n += Encoding.UTF8.GetBytes(businessId, text[n..]);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(text[..n], hash);
            return BinaryPrimitives.ReadUInt128LittleEndian(hash);
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
