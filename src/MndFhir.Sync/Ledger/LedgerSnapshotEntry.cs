using System.Globalization;
using MndFhir.Serialization;

namespace MndFhir.Sync.Ledger;

/// <summary>
/// What the ledger says one destination holds of one resource, as compact as a sync of a million resources needs:
/// the content hash kept as 128 bits (the whole XXH3-128 of <see cref="FhirJson.ContentHash"/>, or the first half of
/// the SHA-256 that ledgers written before it hold: <see cref="Legacy"/>), no server version (nothing reads it during a
/// sync), and the hash of the inputs the content was mapped from (<see cref="Inputs"/>).
/// </summary>
public readonly record struct LedgerSnapshotEntry(long Id, UInt128 Hash, string? ServerId, bool Delivered, bool Legacy = false, UInt128 Inputs = default)
{
    public LedgerSnapshotEntry(long id, string contentHash, string? serverId, bool delivered, string? inputHash = null)
        : this(id, Value(contentHash), serverId, delivered, IsLegacy(contentHash), InputsOf(inputHash))
    {
    }

    /// <summary>
    /// Whether the destination holds, as delivered, the content that inputs hashing <paramref name="inputs"/> map to:
    /// the content was recorded with these inputs. Never for content recorded without them, nor for a legacy hash
    /// (whose comparison needs the JSON).
    /// </summary>
    public bool HoldsMappingOf(UInt128 inputs) => Delivered && !Legacy && Hash != UInt128.Zero && inputs != UInt128.Zero && Inputs == inputs;

    /// <summary>The 128 bits of a stored input hash (32 hex digits); zero for none.</summary>
    public static UInt128 InputsOf(string? inputHash) => inputHash is null ? UInt128.Zero : Value(inputHash);

    /// <summary>An input hash as stored (32 hex digits), or null for none.</summary>
    public static string? InputHashText(UInt128 inputs) => inputs == UInt128.Zero ? null : inputs.ToString("x32", CultureInfo.InvariantCulture);

    /// <summary>Whether the content whose JSON is <paramref name="json"/>, hashed as <paramref name="contentHash"/>, is the content held.</summary>
    public bool Holds(string contentHash, string json) =>
        Hash != UInt128.Zero && (Legacy ? Value(FhirJson.Hash(json)) : Value(contentHash)) == Hash;

    /// <summary>The hash's 128 bits (of SHA-256, the first 32 hex digits); zero for no hash (an entry that never delivered content).</summary>
    public static UInt128 Value(string contentHash)
    {
        var hex = contentHash.StartsWith(FhirJson.ContentHashPrefix, StringComparison.Ordinal) ? contentHash.AsSpan(FhirJson.ContentHashPrefix.Length) : contentHash.AsSpan();
        return hex.Length >= 32 && UInt128.TryParse(hex[..32], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) ? value : UInt128.Zero;
    }

    /// <summary>A SHA-256 content hash, as ledgers hold it for content delivered before <see cref="FhirJson.ContentHash"/>.</summary>
    public static bool IsLegacy(string contentHash) => contentHash.Length == 64 && !contentHash.StartsWith(FhirJson.ContentHashPrefix, StringComparison.Ordinal);
}
