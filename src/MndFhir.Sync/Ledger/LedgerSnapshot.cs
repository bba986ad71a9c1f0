using System.Buffers;
using System.IO.Hashing;
using System.Text;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;

namespace MndFhir.Sync.Ledger;

/// <summary>
/// The ledger of one destination as one sync reads it, in memory no larger than the patients and treatments it holds,
/// whatever the number of measurements: entries of the types there is one of per patient or treatment (Patient,
/// Condition, Procedure: what later tiers refer to) are held for the whole sync; entries of the
/// <see cref="ResourcePlan.BulkResourceTypes"/> (Observations, one per measurement) are read from the ledger in
/// windows, for the keys the planner is about to judge or refer to (<see cref="FetchAsync(UpcomingKeys, CancellationToken)"/>),
/// and let go two windows later. A bulk key read without being announced is read on its own (<see cref="Misses"/>): slower, never wrong.
/// Each key is held as 128 bits of a hash of its type and business id, not as strings, and a server id equal to the
/// business id (a file destination's ids) is not held twice (about 70 bytes an entry). Updated as the server confirms
/// deliveries, so later tiers resolve references to resources sent moments ago. Safe for the pipeline's two sides: the
/// planner reads while the sender records.
/// </summary>
public sealed class LedgerSnapshot
{
    /// <summary>How many bulk entries a window holds, by default, before a new one is begun and the one before it let go.</summary>
    public const int DefaultWindowCapacity = 8192;

    private readonly Dictionary<Key, Held> _entries = [];
    private readonly Func<IReadOnlyList<ResourceKey>, CancellationToken, Task<List<(ResourceKey Key, LedgerSnapshotEntry Entry)>>>? _read;
    private readonly Lock _lock = new();

    // Bulk entries read for the planner: the window being filled and the one before it. A key read and not found is
    // held as null (absent), so it is not read again.
    private Dictionary<Key, Held?> _window = [];
    private Dictionary<Key, Held?> _previous = [];
    private readonly int _windowCapacity;
    private long _misses;

    /// <param name="read">
    /// Reads the entries of the given bulk keys (those the destination has; absent ones are left out). Without it, the
    /// snapshot holds every entry it is given, of every type (a ledger built in memory).
    /// </param>
    /// <param name="windowCapacity">
    /// How many bulk entries a window holds before a new one is begun (a read is held whole, in one window): at most
    /// two windows are held, each of at most this many entries plus one read's.
    /// </param>
    public LedgerSnapshot(
        string destination,
        Func<IReadOnlyList<ResourceKey>, CancellationToken, Task<List<(ResourceKey Key, LedgerSnapshotEntry Entry)>>>? read = null,
        int windowCapacity = DefaultWindowCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowCapacity, 1);
        Destination = destination;
        _read = read;
        _windowCapacity = windowCapacity;
    }

    public string Destination { get; }

    /// <summary>The destination's ledger held no entry, of any type, when the sync began (its first sync).</summary>
    public bool WasEmpty { get; init; }

    /// <summary>Entries held for the whole sync (the patients', conditions' and procedures').</summary>
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

    /// <summary>Bulk entries held now, read and absent (at most two windows).</summary>
    public int WindowCount
    {
        get
        {
            lock (_lock)
            {
                return _window.Count + _previous.Count;
            }
        }
    }

    /// <summary>Bulk keys read one at a time because nobody announced them (a sync should have none).</summary>
    public long Misses => Interlocked.Read(ref _misses);

    public LedgerSnapshotEntry? this[ResourceKey key]
    {
        get
        {
            var k = KeyOf(key.ResourceType, key.BusinessId);
            Held? found;
            lock (_lock)
            {
                if (!IsBulk(key.ResourceType))
                {
                    return _entries.TryGetValue(k, out var held) ? Entry(held, key) : null;
                }

                if (_window.TryGetValue(k, out found) || _previous.TryGetValue(k, out found))
                {
                    return found is { } h ? Entry(h, key) : null;
                }
            }

            found = Unannounced(key, k);
            return found is { } f ? Entry(f, key) : null;
        }
    }

    /// <summary>
    /// Reads the entries of the bulk keys among <paramref name="keys"/> not held yet, in one go; keys of the types held
    /// for the whole sync are left alone.
    /// </summary>
    public Task FetchAsync(IEnumerable<ResourceKey> keys, CancellationToken ct) => FetchAsync([], keys, ct);

    /// <summary>
    /// Reads the entries of a window the planner is about to judge (<see cref="UpcomingKeys.Made"/>) and refer to, in
    /// one go. On a first sync (<see cref="WasEmpty"/>) what is about to be judged has no entry yet, and is not read.
    /// </summary>
    public Task FetchAsync(UpcomingKeys upcoming, CancellationToken ct) => FetchAsync(upcoming.Made, upcoming.ReferredTo, ct);

    private async Task FetchAsync(IEnumerable<ResourceKey> made, IEnumerable<ResourceKey> referredTo, CancellationToken ct)
    {
        if (_read is null)
        {
            return;
        }

        var wanted = new Dictionary<Key, ResourceKey>();
        lock (_lock)
        {
            MoveOnIfFull();
            foreach (var key in WasEmpty ? referredTo : made.Concat(referredTo))
            {
                if (!IsBulk(key.ResourceType) || KeyOf(key.ResourceType, key.BusinessId) is var k && _window.ContainsKey(k))
                {
                    continue;
                }

                if (_previous.Remove(k, out var held))
                {
                    _window[k] = held;
                }
                else
                {
                    wanted.TryAdd(k, key);
                }
            }

            if (WasEmpty)
            {
                foreach (var key in made)
                {
                    if (IsBulk(key.ResourceType))
                    {
                        Hold(KeyOf(key.ResourceType, key.BusinessId), null);
                    }
                }
            }
        }

        if (wanted.Count == 0)
        {
            return;
        }

        var found = await _read([.. wanted.Values], ct);
        lock (_lock)
        {
            foreach (var (key, entry) in found)
            {
                var k = KeyOf(key.ResourceType, key.BusinessId);
                Hold(k, Held.Of(entry, key.BusinessId));
                wanted.Remove(k);
            }

            foreach (var k in wanted.Keys)
            {
                Hold(k, null);
            }
        }
    }

    public void Set(ResourceKey key, LedgerSnapshotEntry entry) => Set(key.ResourceType, key.BusinessId, entry);

    public void Set(string resourceType, string businessId, LedgerSnapshotEntry entry)
    {
        var k = KeyOf(resourceType, businessId);
        var held = Held.Of(entry, businessId);
        lock (_lock)
        {
            if (!IsBulk(resourceType))
            {
                _entries[k] = held;
            }
            else if (_window.ContainsKey(k) || _previous.Remove(k))
            {
                // A bulk entry is kept up to date while it is held; once let go, it is read again from the ledger,
                // which holds what was confirmed before this was called.
                _window[k] = held;
            }
        }
    }

    public void Remove(ResourceKey key)
    {
        var k = KeyOf(key.ResourceType, key.BusinessId);
        lock (_lock)
        {
            if (!IsBulk(key.ResourceType))
            {
                _entries.Remove(k);
            }
            else if (_window.ContainsKey(k) || _previous.Remove(k))
            {
                _window[k] = null;
            }
        }
    }

    private bool IsBulk(string resourceType) => _read is not null && ResourcePlan.BulkResourceTypes.Contains(resourceType);

    private static LedgerSnapshotEntry Entry(Held held, ResourceKey key) =>
        new(held.Id, new UInt128(held.HashHigh, held.HashLow), held.ServerIsBusinessId ? key.BusinessId : held.ServerId, held.Delivered, held.Legacy, new UInt128(held.InputsHigh, held.InputsLow));

    /// <summary>A bulk key nobody announced, read on its own (outside the lock: the sender records meanwhile).</summary>
    private Held? Unannounced(ResourceKey key, Key k)
    {
        Interlocked.Increment(ref _misses);
        var found = _read!([key], CancellationToken.None).GetAwaiter().GetResult();
        lock (_lock)
        {
            // Should another reader have held this key meanwhile, what it holds stands.
            MoveOnIfFull();
            Hold(k, found.Count == 0 ? null : Held.Of(found[0].Entry, key.BusinessId));
            return _window.TryGetValue(k, out var held) ? held : _previous.GetValueOrDefault(k);
        }
    }

    /// <summary>Under the lock: begins a new window when this one is full, letting the one before it go.</summary>
    private void MoveOnIfFull()
    {
        if (_window.Count >= _windowCapacity)
        {
            _previous = _window;
            _window = new Dictionary<Key, Held?>(_windowCapacity);
        }
    }

    /// <summary>Under the lock: holds a bulk entry (null: absent from the ledger) unless it is held already.</summary>
    private void Hold(Key k, Held? held)
    {
        if (!_previous.ContainsKey(k))
        {
            _window.TryAdd(k, held);
        }
    }

    // Two ulongs rather than UInt128, whose 16-byte alignment would pad every entry.
    private readonly record struct Key(ulong High, ulong Low);

    private readonly record struct Held(long Id, ulong HashHigh, ulong HashLow, string? ServerId, bool Delivered, bool ServerIsBusinessId, bool Legacy, ulong InputsHigh, ulong InputsLow)
    {
        public static Held Of(LedgerSnapshotEntry entry, string businessId)
        {
            var same = entry.ServerId is not null && string.Equals(entry.ServerId, businessId, StringComparison.Ordinal);
            return new Held(entry.Id, (ulong)(entry.Hash >> 64), (ulong)entry.Hash, same ? null : entry.ServerId, entry.Delivered, same, entry.Legacy, (ulong)(entry.Inputs >> 64), (ulong)entry.Inputs);
        }
    }

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
