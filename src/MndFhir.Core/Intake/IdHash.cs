namespace MndFhir.Intake;

/// <summary>
/// A 64-bit FNV-1a hash of a record id, so that sets of a million ids cost 8 bytes an id rather than a string each.
/// Two different ids of one export share a hash with a probability of about n²/2⁶⁵ (3·10⁻⁸ for a million ids).
/// </summary>
public static class IdHash
{
    public static ulong Of(string id)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in id)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>
    /// The hash of two ids read as one, with a comma between them (outside the id alphabet, so no other pair of ids has
    /// the same text): a panel_id and a measure code, say.
    /// </summary>
    public static ulong Of(string first, string second)
    {
        var hash = (Of(first) ^ ',') * 1099511628211UL;
        foreach (var c in second)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
