using Microsoft.Extensions.Logging;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// Delivers to a FHIR R4 REST server as transaction (or batch) bundles of conditional updates on the business identifier
/// (<c>PUT Observation?identifier=sys|A-1</c>), through the destination's <see cref="FhirServerClient"/>: a replay, a retry
/// or a resend after a crash updates the resource the server already holds instead of creating a second one. Only a
/// content rejection is isolated: the bundle is split in halves until the rejected resources stand alone, each reported
/// with the server's status and OperationOutcome, the rest delivered. Credentials refused, a wrong base URL or an
/// unreachable server stop the run (the client's exceptions): nothing becomes a dead letter for them.
/// </summary>
public sealed class FhirRestWriter(FhirServerClientFactory clients, DestinationOptions destination, ILogger<FhirRestWriter> logger) : IDestinationWriter
{
    // Made here, so disposed here (with the writer).
    private readonly FhirServerClient _client = clients.Create(destination.Name);
    private BundleKind? _kind;

    public async Task<IReadOnlyList<DeliveryResult>> SendAsync(IReadOnlyList<ChangeSetItem> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return [];
        }

        _kind ??= await BundleKindAsync(ct);
        return await SendOrSplitAsync(batch, _kind.Value, ct);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<IReadOnlyList<DeliveryResult>> SendOrSplitAsync(IReadOnlyList<ChangeSetItem> batch, BundleKind kind, CancellationToken ct)
    {
        var answer = await _client.ConditionalUpdatesAsync(kind, batch.Select(i => (i.Mapped.Key, i.Json)).ToList(), ct);
        if (answer.Rejection is not { } rejection)
        {
            return Confirmations(batch, answer.Entries);
        }

        if (batch.Count == 1)
        {
            logger.LogWarning("{Destination} rejected {ResourceKey} with HTTP {Status}", _client.Destination, batch[0].Mapped.Key.ToString(), rejection.Status);
            return [DeliveryResult.Rejected(batch[0].Mapped.Key, rejection.Status, rejection.Error)];
        }

        logger.LogInformation(
            "{Destination} rejected a bundle of {ResourceCount} resources with HTTP {Status}; splitting it to isolate the rejected ones",
            _client.Destination, batch.Count, rejection.Status);
        var half = batch.Count / 2;
        var first = await SendOrSplitAsync(batch.Take(half).ToList(), kind, ct);
        var second = await SendOrSplitAsync(batch.Skip(half).ToList(), kind, ct);
        return [.. first, .. second];
    }

    /// <summary>As configured, or what the server's CapabilityStatement says it supports.</summary>
    private async Task<BundleKind> BundleKindAsync(CancellationToken ct)
    {
        if (destination.BundleMode != BundleMode.Auto)
        {
            return destination.BundleMode == BundleMode.Batch ? BundleKind.Batch : BundleKind.Transaction;
        }

        var capabilities = await _client.CapabilitiesAsync(ct);
        logger.LogInformation(
            "{Destination} declares {Interactions}; sending {BundleType} bundles",
            _client.Destination, string.Join(",", capabilities.SystemInteractions.Order(StringComparer.Ordinal)), capabilities.PreferredBundle);
        return capabilities.PreferredBundle;
    }

    /// <summary>
    /// Each entry's answer (status, location, outcome), read leniently: a server's imperfection elsewhere in an echoed
    /// resource must not lose the confirmation of a commit.
    /// </summary>
    private static List<DeliveryResult> Confirmations(IReadOnlyList<ChangeSetItem> batch, IReadOnlyList<BundleEntryAnswer> entries)
    {
        var results = new List<DeliveryResult>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var key = batch[i].Mapped.Key;
            var entry = entries[i];
            if (!entry.Succeeded || entry.Location is null || ParseLocation(entry.Location) is not { } where)
            {
                results.Add(DeliveryResult.Rejected(key, entry.StatusCode, entry.Outcome ?? $"The server answered '{entry.Status}' without a location for {key}."));
                continue;
            }

            results.Add(DeliveryResult.Confirmed(key, entry.Created, where.Id, where.Version ?? entry.Version));
        }

        return results;
    }

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
