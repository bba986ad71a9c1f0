using System.Text;
using System.Text.Json;
using MndFhir.Identity;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// Builds every bundle MndFhir sends, in one place (as Firely's TransactionBuilder does): transactions or batches of
/// conditional updates on the business identifier, and batches of identifier searches. The resources go in as the JSON
/// their hash was taken of, so what is sent is exactly what the ledger records.
/// </summary>
public static class FhirBundleBuilder
{
    /// <summary>
    /// <c>PUT {type}?identifier={system}|{value}</c> for each resource, in a bundle of <paramref name="kind"/>; then, when
    /// given, <c>POST Provenance</c> with <paramref name="provenanceJson"/> (the last entry: its answer is not a resource's).
    /// </summary>
    public static string ConditionalUpdates(BundleKind kind, IReadOnlyList<(ResourceKey Key, string Json)> resources, ClinicIdentity identity, bool indented = false, string? provenanceJson = null) =>
        Write(indented, w =>
        {
            w.WriteString("resourceType", "Bundle");
            w.WriteString("type", kind == BundleKind.Batch ? "batch" : "transaction");
            w.WriteStartArray("entry");
            foreach (var (key, json) in resources)
            {
                w.WriteStartObject();
                w.WriteString("fullUrl", key.ToUrnUuid());
                w.WritePropertyName("resource");
                if (indented)
                {
                    using var doc = JsonDocument.Parse(json);
                    doc.RootElement.WriteTo(w);
                }
                else
                {
                    w.WriteRawValue(json, skipInputValidation: true);
                }

                w.WriteStartObject("request");
                w.WriteString("method", "PUT");
                w.WriteString("url", identity.ConditionalUrl(key));
                w.WriteEndObject();
                w.WriteEndObject();
            }

            if (provenanceJson is not null)
            {
                w.WriteStartObject();
                w.WritePropertyName("resource");
                w.WriteRawValue(provenanceJson, skipInputValidation: true);
                w.WriteStartObject("request");
                w.WriteString("method", "POST");
                w.WriteString("url", "Provenance");
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });

    /// <summary>
    /// <c>DELETE {type}/{server id}</c> for each resource, in a bundle of <paramref name="kind"/> (for the NDJSON "deleted"
    /// files of the Bulk Data manifest too, with the file's logical ids): what a destination holds of a patient whose
    /// registry consent was withdrawn, or under a retired pseudonym key.
    /// </summary>
    public static string Deletes(BundleKind kind, IReadOnlyList<(string ResourceType, string Id)> resources) =>
        Write(indented: false, w =>
        {
            w.WriteString("resourceType", "Bundle");
            w.WriteString("type", kind == BundleKind.Batch ? "batch" : "transaction");
            w.WriteStartArray("entry");
            foreach (var (type, id) in resources)
            {
                w.WriteStartObject();
                w.WriteStartObject("request");
                w.WriteString("method", "DELETE");
                w.WriteString("url", $"{type}/{Uri.EscapeDataString(id)}");
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });

    /// <summary>A batch of <c>GET {type}?identifier={system}|{value}</c> searches, one per key, in order.</summary>
    public static string IdentifierSearches(IReadOnlyList<ResourceKey> keys, ClinicIdentity identity) =>
        Write(indented: false, w =>
        {
            w.WriteString("resourceType", "Bundle");
            w.WriteString("type", "batch");
            w.WriteStartArray("entry");
            foreach (var key in keys)
            {
                w.WriteStartObject();
                w.WriteStartObject("request");
                w.WriteString("method", "GET");
                w.WriteString("url", identity.ConditionalUrl(key));
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });

    private static string Write(bool indented, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
