namespace MndFhir.Intake;

/// <summary>
/// The ids read from one export file, as <see cref="IdHash"/>es, each with the first 64 bits of the content hash of
/// the row accepted for it (or none: the id was seen only in rejected rows). One table serves both the parser (an
/// identical repeat is skipped, a different one rejected) and the importer (a stored id not seen is gone from the
/// export). An open-addressing table of one <see cref="ulong"/> pair per slot, at most 80% full: about 20 bytes an id
/// when sized from the file's line count, where a <c>Dictionary</c> of the same pairs plus a <c>HashSet</c> of the ids
/// took about 60 (and twice that while either grew).
/// </summary>
public sealed class SeenIds
{
    private const ulong Empty = 0;

    /// <summary>The content hash recorded for an id seen only in rejected rows.</summary>
    private const ulong NoContent = 0;

    // Pairs: [2i] the mixed id hash (never 0), [2i + 1] its content hash (0 for none).
    private ulong[] _slots;
    private int _capacity;

    /// <param name="expected">How many ids to expect (e.g. the file's line count): the table never grows below it.</param>
    public SeenIds(long expected = 0)
    {
        _capacity = CapacityFor(Math.Max(expected, 16));
        _slots = new ulong[2 * _capacity];
    }

    public int Count { get; private set; }

    /// <summary>Makes room for <paramref name="expected"/> ids in all, so that the table does not grow on the way.</summary>
    public void EnsureCapacity(long expected)
    {
        if (CapacityFor(expected) > _capacity)
        {
            Rehash(CapacityFor(expected));
        }
    }

    /// <summary>Whether the id was seen, in an accepted or a rejected row.</summary>
    public bool Contains(ulong idHash) => Find(Mix(idHash)) >= 0;

    /// <summary>The content hash of the row accepted for the id; false when no row was accepted for it.</summary>
    public bool TryGetContent(ulong idHash, out ulong contentHash)
    {
        var slot = Find(Mix(idHash));
        contentHash = slot >= 0 ? _slots[slot + 1] : NoContent;
        return contentHash != NoContent;
    }

    /// <summary>Records the row accepted for the id (a content hash of 0 is stored as 1).</summary>
    public void SetContent(ulong idHash, ulong contentHash) => Insert(Mix(idHash), contentHash == NoContent ? 1 : contentHash, overwrite: true);

    /// <summary>Records that the id was seen (in a rejected row, say); keeps what was recorded for it.</summary>
    public void Add(ulong idHash) => Insert(Mix(idHash), NoContent, overwrite: false);

    private void Insert(ulong key, ulong content, bool overwrite)
    {
        var slot = Find(key);
        if (slot >= 0)
        {
            if (overwrite)
            {
                _slots[slot + 1] = content;
            }

            return;
        }

        if ((long)(Count + 1) * 5 > (long)_capacity * 4)
        {
            var capacity = CapacityFor(2L * Count);
            if (capacity <= _capacity)
            {
                throw new InvalidOperationException($"more than {Count} ids in one file: beyond what one table holds");
            }

            Rehash(capacity);
        }

        slot = Probe(key);
        _slots[slot] = key;
        _slots[slot + 1] = content;
        Count++;
    }

    /// <summary>The index of the key's pair, or -1.</summary>
    private int Find(ulong key)
    {
        var slot = Probe(key);
        return _slots[slot] == key ? slot : -1;
    }

    /// <summary>The index of the key's pair, or of the empty pair where it would go.</summary>
    private int Probe(ulong key)
    {
        var i = (int)Math.BigMul(key, (ulong)_capacity, out _);
        while (true)
        {
            var k = _slots[2 * i];
            if (k == key || k == Empty)
            {
                return 2 * i;
            }

            if (++i == _capacity)
            {
                i = 0;
            }
        }
    }

    private void Rehash(int capacity)
    {
        var old = _slots;
        _capacity = capacity;
        _slots = new ulong[2 * _capacity];
        for (var i = 0; i < old.Length; i += 2)
        {
            if (old[i] != Empty)
            {
                var slot = Probe(old[i]);
                _slots[slot] = old[i];
                _slots[slot + 1] = old[i + 1];
            }
        }
    }

    /// <summary>Slots for <paramref name="count"/> ids at 80% full.</summary>
    private static int CapacityFor(long count) => (int)Math.Min(count * 5 / 4 + 1, Array.MaxLength / 2);

    /// <summary>
    /// The finaliser of MurmurHash3: spreads FNV's bits over the whole word (the slot is taken from the high bits).
    /// Never 0, which marks an empty slot.
    /// </summary>
    private static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h == Empty ? 1 : h;
    }
}
