using System.Security.Cryptography;
using System.Text;

namespace MndFhir.Identity;

/// <summary>
/// A resource's business identity: its FHIR type and the clinic-derived identifier value
/// (the patient_id, treatment_id or assessment_id it was made from). Stable across re-exports.
/// </summary>
public readonly record struct ResourceKey(string ResourceType, string BusinessId)
{
    /// <summary>A stable <c>urn:uuid:</c> for bundle entries (name-based, from the key), so the same input gives the same bundle.</summary>
    public string ToUrnUuid()
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{ResourceType}|{BusinessId}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return "urn:uuid:" + new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }

    public override string ToString() => $"{ResourceType}/{BusinessId}";
}
