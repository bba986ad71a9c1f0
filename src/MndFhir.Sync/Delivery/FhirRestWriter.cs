using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MndFhir.Identity;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// Delivers to a FHIR R4 REST server as transaction (or batch) bundles of conditional updates on the business identifier
/// (<c>PUT Observation?identifier=sys|A-1</c>): a replay, a retry or a resend after a crash updates the resource the
/// server already holds instead of creating a second one. A rejected bundle is split in halves until the rejected
/// resources are isolated; each of those is reported with the server's OperationOutcome, the rest is delivered.
/// </summary>
public sealed class FhirRestWriter(
    HttpClient http, ClinicIdentity identity, TransientRetry retry, string destination, ILogger logger, BundleMode mode = BundleMode.Auto) : IDestinationWriter
{
    private static readonly MediaTypeHeaderValue FhirJsonMediaType = new("application/fhir+json") { CharSet = "utf-8" };
    private string? _bundleType;

    public async Task<IReadOnlyList<DeliveryResult>> SendAsync(IReadOnlyList<ChangeSetItem> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return [];
        }

        _bundleType ??= await BundleTypeAsync(ct);
        var body = BundleJson(batch, _bundleType);
        using var response = await retry.SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, string.Empty)
            {
                Content = new StringContent(body, Encoding.UTF8, FhirJsonMediaType),
                Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/fhir+json") } },
            },
            http,
            destination,
            ct);
        var answer = await response.Content.ReadAsStringAsync(ct);
        if (response.IsSuccessStatusCode)
        {
            using var bundle = BundleResponse(answer, response);
            return Confirmations(batch, bundle);
        }

        if (batch.Count == 1)
        {
            logger.LogWarning(
                "{Destination} rejected {ResourceKey} with HTTP {Status}",
                destination, batch[0].Mapped.Key.ToString(), (int)response.StatusCode);
            return [DeliveryResult.Rejected(batch[0].Mapped.Key, string.IsNullOrWhiteSpace(answer) ? $"HTTP {(int)response.StatusCode}" : answer)];
        }

        logger.LogInformation(
            "{Destination} rejected a bundle of {ResourceCount} resources with HTTP {Status}; splitting it to isolate the rejected ones",
            destination, batch.Count, (int)response.StatusCode);
        var half = batch.Count / 2;
        var first = await SendAsync(batch.Take(half).ToList(), ct);
        var second = await SendAsync(batch.Skip(half).ToList(), ct);
        return [.. first, .. second];
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The bundle type to send: as configured, or what the server's CapabilityStatement says it supports
    /// (transaction first; batch when it has batch only; transaction when it says nothing).
    /// </summary>
    private async Task<string> BundleTypeAsync(CancellationToken ct)
    {
        if (mode != BundleMode.Auto)
        {
            return mode == BundleMode.Batch ? "batch" : "transaction";
        }

        using var response = await retry.SendAsync(
            () => new HttpRequestMessage(HttpMethod.Get, "metadata") { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/fhir+json") } } },
            http,
            destination,
            ct);
        var interactions = new HashSet<string>(StringComparer.Ordinal);
        if (response.IsSuccessStatusCode)
        {
            try
            {
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                foreach (var rest in doc.RootElement.TryGetProperty("rest", out var r) ? r.EnumerateArray() : default)
                {
                    foreach (var interaction in rest.TryGetProperty("interaction", out var i) ? i.EnumerateArray() : default)
                    {
                        if (Text(interaction, "code") is { } code)
                        {
                            interactions.Add(code);
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // An unreadable CapabilityStatement says nothing: the standard choice stands.
            }
        }

        var type = interactions.Contains("transaction") || !interactions.Contains("batch") ? "transaction" : "batch";
        logger.LogInformation("{Destination} declares {Interactions}; sending {BundleType} bundles", destination, string.Join(",", interactions.Order()), type);
        return type;
    }

    private string BundleJson(IReadOnlyList<ChangeSetItem> batch, string type)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("resourceType", "Bundle");
            w.WriteString("type", type);
            w.WriteStartArray("entry");
            foreach (var item in batch)
            {
                w.WriteStartObject();
                w.WriteString("fullUrl", item.Mapped.Key.ToUrnUuid());
                w.WritePropertyName("resource");
                w.WriteRawValue(item.Json, skipInputValidation: true);
                w.WriteStartObject("request");
                w.WriteString("method", "PUT");
                w.WriteString("url", identity.ConditionalUrl(item.Mapped.Key));
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// The server's 2xx answer to a bundle, when it is a FHIR Bundle whose entries are objects. Anything else (the HTML
    /// page of a proxy or a login, any non-JSON, JSON that is no Bundle) says nothing about what the server committed:
    /// the destination counts as unavailable and nothing of the batch is recorded as delivered; the conditional updates
    /// make sending it again safe.
    /// </summary>
    private JsonDocument BundleResponse(string answer, HttpResponseMessage response)
    {
        JsonDocument? doc = null;
        try
        {
            doc = JsonDocument.Parse(answer);
            var root = doc.RootElement;
            if (Text(root, "resourceType") == "Bundle"
                && (!root.TryGetProperty("entry", out var entries)
                    || (entries.ValueKind == JsonValueKind.Array && entries.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Object))))
            {
                return doc;
            }
        }
        catch (JsonException)
        {
            // Not JSON at all: said below.
        }

        doc?.Dispose();
        throw new DestinationUnavailableException(
            $"Destination '{destination}' answered HTTP {(int)response.StatusCode} ({response.Content.Headers.ContentType?.MediaType ?? "no content type"}) " +
            $"to a {_bundleType}, which is not a FHIR Bundle; nothing of the batch is recorded as delivered.");
    }

    /// <summary>
    /// Reads each entry's response (status, location, outcome) from the server's answer. Only those fields are read,
    /// leniently: a server's imperfection elsewhere in an echoed resource must not lose the confirmation of a commit.
    /// </summary>
    private static List<DeliveryResult> Confirmations(IReadOnlyList<ChangeSetItem> batch, JsonDocument doc)
    {
        var entries = doc.RootElement.TryGetProperty("entry", out var e) ? e.EnumerateArray().ToList() : [];
        if (entries.Count != batch.Count)
        {
            throw new DestinationUnavailableException(
                $"The bundle response has {entries.Count} entries for {batch.Count} requests; nothing of it is recorded as delivered.");
        }

        var results = new List<DeliveryResult>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var key = batch[i].Mapped.Key;
            var response = entries[i].TryGetProperty("response", out var r) ? r : default;
            var status = Text(response, "status") ?? string.Empty;
            var location = Text(response, "location");
            var version = entries[i].TryGetProperty("resource", out var resource) && resource.ValueKind == JsonValueKind.Object
                && resource.TryGetProperty("meta", out var meta) ? Text(meta, "versionId") : null;
            if (!status.StartsWith('2') || location is null || ParseLocation(location) is not { } where)
            {
                var outcome = response.ValueKind == JsonValueKind.Object && response.TryGetProperty("outcome", out var o) ? o.GetRawText() : null;
                results.Add(DeliveryResult.Rejected(key, outcome ?? $"The server answered '{status}' without a location for {key}."));
                continue;
            }

            results.Add(DeliveryResult.Confirmed(key, status.StartsWith("201", StringComparison.Ordinal), where.Id, where.Version ?? version ?? Text(response, "etag")));
        }

        return results;
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Reads <c>Observation/123/_history/2</c> (absolute or relative) into id and version.</summary>
    internal static (string Id, string? Version)? ParseLocation(string location)
    {
        var parts = location.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var history = Array.IndexOf(parts, "_history");
        if (history >= 2)
        {
            return (parts[history - 1], history + 1 < parts.Length ? parts[history + 1] : null);
        }

        return parts.Length >= 2 ? (parts[^1], null) : null;
    }
}
