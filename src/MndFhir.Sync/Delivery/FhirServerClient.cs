using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MndFhir.Identity;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// The one client MndFhir speaks FHIR REST with, per destination: capabilities, transaction and batch bundles of
/// conditional updates, and identifier searches. Every interaction goes through one
/// method that classifies the answer (as Firely's BaseFhirClient does): a 2xx is returned; a content rejection (400,
/// 409, 412, 422) is returned as a <see cref="FhirRejection"/> for the caller to isolate; 401/403 throw
/// <see cref="DestinationAuthenticationException"/>, 404/405 <see cref="DestinationMisconfiguredException"/>, and what the
/// resilience pipeline gave up on (5xx, 429, timeouts, lost connections, an open circuit) or an answer that is not FHIR
/// <see cref="DestinationUnavailableException"/>. Retries, Retry-After, timeouts and the circuit breaker live in the
/// HttpClient's resilience handler (<see cref="FhirServerClientFactory"/>), authentication in its delegating handler.
/// </summary>
public sealed class FhirServerClient(HttpClient http, string destination, ClinicIdentity identity, ILogger logger) : IDisposable
{
    private static readonly MediaTypeHeaderValue FhirJson = new("application/fhir+json") { CharSet = "utf-8" };

    public string Destination => destination;

    /// <summary>The identifier systems of this destination (the clinic's, or its pseudonym systems).</summary>
    public ClinicIdentity Identity => identity;

    public async Task<ServerCapabilities> CapabilitiesAsync(CancellationToken ct)
    {
        var answer = await SendAsync(HttpMethod.Get, "metadata", null, ct);
        var interactions = new HashSet<string>(StringComparer.Ordinal);
        if (answer.Rejection is null)
        {
            try
            {
                using var doc = JsonDocument.Parse(answer.Body);
                foreach (var rest in doc.RootElement.TryGetProperty("rest", out var r) && r.ValueKind == JsonValueKind.Array ? r.EnumerateArray() : default)
                {
                    foreach (var interaction in rest.TryGetProperty("interaction", out var i) && i.ValueKind == JsonValueKind.Array ? i.EnumerateArray() : default)
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

        return new ServerCapabilities(interactions);
    }

    /// <summary>
    /// POSTs a transaction or batch of conditional updates. Safe to retry: each entry is a conditional update on the
    /// business identifier, so a bundle sent twice updates what the first one created.
    /// </summary>
    /// <param name="provenanceJson">A Provenance of the delivery, POSTed as the bundle's last entry; its answer is not returned.</param>
    public async Task<BundleAnswer> ConditionalUpdatesAsync(BundleKind kind, IReadOnlyList<(ResourceKey Key, string Json)> resources, string? provenanceJson, CancellationToken ct)
    {
        var answer = await SendAsync(HttpMethod.Post, string.Empty, FhirBundleBuilder.ConditionalUpdates(kind, resources, identity, provenanceJson: provenanceJson), ct);
        if (answer.Rejection is { } rejection)
        {
            return BundleAnswer.Rejected(rejection) with { Answered = answer.Answered };
        }

        var entries = BundleEntries(answer, kind == BundleKind.Batch ? "batch" : "transaction");
        var expected = resources.Count + (provenanceJson is null ? 0 : 1);
        if (entries.Count != expected)
        {
            throw new DestinationUnavailableException(
                $"Destination '{destination}' answered {entries.Count} entries to a bundle of {expected}; nothing of it is recorded as delivered.");
        }

        if (provenanceJson is not null && !entries[^1].Succeeded)
        {
            logger.LogWarning("{Destination} did not store the Provenance of a batch ({Status})", destination, entries[^1].Status);
        }

        return new BundleAnswer(entries.Take(resources.Count).ToList(), null) { Answered = answer.Answered };
    }

    /// <summary>
    /// Deletes resources by their server ids (a bundle of DELETEs). Each answer in order; a 404 or 410 means the server
    /// no longer has it, which is what a delete wants, so it counts as done.
    /// </summary>
    public async Task<BundleAnswer> DeletesAsync(BundleKind kind, IReadOnlyList<(string ResourceType, string Id)> resources, CancellationToken ct)
    {
        var answer = await SendAsync(HttpMethod.Post, string.Empty, FhirBundleBuilder.Deletes(kind, resources), ct);
        if (answer.Rejection is { } rejection)
        {
            return BundleAnswer.Rejected(rejection);
        }

        var entries = BundleEntries(answer, kind == BundleKind.Batch ? "batch" : "transaction");
        if (entries.Count != resources.Count)
        {
            throw new DestinationUnavailableException(
                $"Destination '{destination}' answered {entries.Count} entries to a bundle of {resources.Count} deletes; nothing of it is recorded as deleted.");
        }

        return new BundleAnswer(entries, null);
    }

    /// <summary>For each key, in order, the server ids of the resources carrying its business identifier (a batch of searches).</summary>
    public async Task<List<List<string>>> SearchByIdentifierAsync(IReadOnlyList<ResourceKey> keys, CancellationToken ct)
    {
        var answer = await SendAsync(HttpMethod.Post, string.Empty, FhirBundleBuilder.IdentifierSearches(keys, identity), ct);
        if (answer.Rejection is { } rejection)
        {
            throw new DestinationUnavailableException($"Destination '{destination}' refused a batch of identifier searches with HTTP {rejection.Status}: {rejection.Reason}");
        }

        // Only ids are needed: read them leniently, so a server's harmless imperfection elsewhere in a resource (an
        // empty array, an unknown element) does not stop the comparison.
        using var doc = Parse(answer, "batch of searches");
        var entries = doc.RootElement.TryGetProperty("entry", out var e) && e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().ToList() : [];
        if (entries.Count != keys.Count)
        {
            throw new DestinationUnavailableException($"Destination '{destination}' answered {entries.Count} entries to {keys.Count} searches.");
        }

        return entries.Select(entry => entry.TryGetProperty("resource", out var found) && Text(found, "resourceType") == "Bundle"
                ? (found.TryGetProperty("entry", out var matches) && matches.ValueKind == JsonValueKind.Array ? matches.EnumerateArray() : default)
                    .Select(m => m.TryGetProperty("resource", out var r) ? Text(r, "id") : null)
                    .OfType<string>()
                    .ToList()
                : throw new DestinationUnavailableException(
                    $"Destination '{destination}' answered a search with {(entry.TryGetProperty("response", out var resp) ? Text(resp, "status") : null) ?? "no bundle"}."))
            .ToList();
    }

    public void Dispose() => http.Dispose();

    /// <summary>The one path of every interaction: send, then classify the answer.</summary>
    private async Task<HttpAnswer> SendAsync(HttpMethod method, string url, string? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, FhirJson);
        }

        var time = new AnswerTime();
        request.Options.Set(AnswerTime.Key, time);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new DestinationUnavailableException($"Destination '{destination}' could not be reached ({ex.HttpRequestError}): {ex.Message}", ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new DestinationUnavailableException($"Destination '{destination}' did not answer in time ({ex.Message.TrimEnd('.')}); what it confirmed before stays recorded.", ex);
        }
        catch (BrokenCircuitException ex)
        {
            throw new DestinationUnavailableException($"Destination '{destination}' failed too often in a row; calls to it are paused ({ex.Message.TrimEnd('.')}).", ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new DestinationUnavailableException($"Destination '{destination}' did not answer in time.", ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            var what = $"{method} {(url.Length == 0 ? "(base)" : url.Split('?')[0])}";
            if (response.IsSuccessStatusCode)
            {
                return new HttpAnswer(status, text, response.Content.Headers.ContentType?.MediaType, null) { Answered = time.Answered };
            }

            var outcome = OutcomeOf(text);
            switch (status)
            {
                case 401 or 403:
                    logger.LogError(SyncLogEvents.SyncStopped, "{Destination} refused the credentials with HTTP {Status} ({Request})", destination, status, what);
                    throw new DestinationAuthenticationException(destination, status, OperationOutcomeReason.Of(outcome));
                case 404 or 405:
                    logger.LogError(SyncLogEvents.SyncStopped, "{Destination} answered HTTP {Status} to {Request}: misconfigured destination", destination, status, what);
                    throw new DestinationMisconfiguredException(destination, status, what, OperationOutcomeReason.Of(outcome));
                case 408 or 429 or >= 500:
                    // The resilience pipeline retried these as long as the destination's settings allow.
                    throw new DestinationUnavailableException($"Destination '{destination}' answered HTTP {status} to {what} until the retries allowed were spent; what it confirmed before stays recorded.");
                default:
                    return new HttpAnswer(status, text, null, new FhirRejection(status, outcome ?? (text.Length == 0 ? null : text))) { Answered = time.Answered };
            }
        }
    }

    /// <summary>
    /// A 2xx answer to a bundle is a FHIR Bundle whose entries are objects; anything else (the HTML page of a proxy or a
    /// login, non-JSON, JSON that is not a Bundle) says nothing about what the server committed: the destination counts
    /// as unavailable, nothing of the batch is recorded as delivered, and sending it again is safe.
    /// </summary>
    private List<BundleEntryAnswer> BundleEntries(HttpAnswer answer, string bundleType)
    {
        using var doc = Parse(answer, bundleType);
        var entries = doc.RootElement.TryGetProperty("entry", out var e) && e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().ToList() : [];
        return entries.Select(entry =>
        {
            var response = entry.TryGetProperty("response", out var r) ? r : default;
            var version = entry.TryGetProperty("resource", out var resource) && resource.ValueKind == JsonValueKind.Object
                && resource.TryGetProperty("meta", out var meta) ? Text(meta, "versionId") : null;
            var outcome = response.ValueKind == JsonValueKind.Object && response.TryGetProperty("outcome", out var o) ? o.GetRawText() : null;
            return new BundleEntryAnswer(Text(response, "status") ?? string.Empty, Text(response, "location"), version ?? Text(response, "etag"), outcome);
        }).ToList();
    }

    private JsonDocument Parse(HttpAnswer answer, string what)
    {
        JsonDocument? doc = null;
        try
        {
            doc = JsonDocument.Parse(answer.Body);
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
            $"Destination '{destination}' answered HTTP {answer.Status} ({answer.MediaType ?? "no content type"}) to a {what}, which is not a FHIR Bundle; " +
            "nothing of the batch is recorded as delivered.");
    }

    /// <summary>The body when it is an OperationOutcome; null otherwise.</summary>
    private static string? OutcomeOf(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return Text(doc.RootElement, "resourceType") == "OperationOutcome" ? body : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record HttpAnswer(int Status, string Body, string? MediaType, FhirRejection? Rejection)
    {
        public TimeSpan? Answered { get; init; }
    }
}
