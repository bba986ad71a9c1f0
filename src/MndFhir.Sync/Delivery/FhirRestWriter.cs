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
    // Asked once, by Prepare or the first send; the batches in flight wait for the same answer (see KindAsync).
    private Task<BundleKind>? _kind;

    /// <summary>Whether a send has waited for <see cref="_kind"/>: a failed answer is asked again only after one has met it.</summary>
    private bool _kindMet;
    private readonly Lock _kindGate = new();

    private AdaptiveBatchSize? _sizes;

    public void ReportAnswerTimes(AdaptiveBatchSize sizes) => _sizes = sizes;

    /// <summary>When set, every bundle carries a Provenance of what it delivers (POST, its last entry).</summary>
    public PartProvenance? Provenance { get; init; }

    public async Task<IReadOnlyList<DeliveryResult>> SendAsync(IReadOnlyList<ChangeSetItem> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return [];
        }

        return await SendOrSplitAsync(batch, await KindAsync(ct), ct);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<IReadOnlyList<DeliveryResult>> SendOrSplitAsync(IReadOnlyList<ChangeSetItem> batch, BundleKind kind, CancellationToken ct)
    {
        var answer = await _client.ConditionalUpdatesAsync(kind, batch.Select(i => (i.Mapped.Key, i.Json)).ToList(), ProvenanceOf(batch, kind), ct);
        if (answer.Answered is { } answered)
        {
            _sizes?.Observe(batch.Count, answered);
        }

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

    public async Task<IReadOnlyList<DeliveryResult>> DeleteAsync(IReadOnlyList<Withdrawal> items, CancellationToken ct)
    {
        if (items.Count == 0)
        {
            return [];
        }

        return await DeleteOrSplitAsync(items, await KindAsync(ct), ct);
    }

    private async Task<IReadOnlyList<DeliveryResult>> DeleteOrSplitAsync(IReadOnlyList<Withdrawal> items, BundleKind kind, CancellationToken ct)
    {
        var answer = await _client.DeletesAsync(kind, items.Select(i => (i.Key.ResourceType, i.ServerId)).ToList(), ct);
        if (answer.Rejection is { } rejection)
        {
            if (items.Count == 1)
            {
                logger.LogWarning("{Destination} refused to delete {ResourceKey} with HTTP {Status}", _client.Destination, items[0].Key.ToString(), rejection.Status);
                return [DeliveryResult.Rejected(items[0].Key, rejection.Status, rejection.Error)];
            }

            var half = items.Count / 2;
            return [.. await DeleteOrSplitAsync(items.Take(half).ToList(), kind, ct), .. await DeleteOrSplitAsync(items.Skip(half).ToList(), kind, ct)];
        }

        // Gone already (404, 410) is what a delete wants.
        return items.Select((item, i) => answer.Entries[i] is { } entry && (entry.Succeeded || entry.StatusCode is 404 or 410)
                ? DeliveryResult.Confirmed(item.Key, created: false, item.ServerId, version: null)
                : DeliveryResult.Rejected(item.Key, answer.Entries[i].StatusCode, answer.Entries[i].Outcome ?? $"The server answered '{answer.Entries[i].Status}' to the delete of {item.Key}."))
            .ToList();
    }

    /// <summary>
    /// The Provenance of one bundle: its targets are the bundle's entries (urn:uuid, which a transaction resolves to the
    /// ids the server gives; a batch resolves none, so there by business identifier only), each with its identifier.
    /// </summary>
    private string? ProvenanceOf(IReadOnlyList<ChangeSetItem> batch, BundleKind kind) =>
        Provenance?.Json(batch.Select(i => new Hl7.Fhir.Model.ResourceReference
        {
            Reference = kind == BundleKind.Transaction ? i.Mapped.Key.ToUrnUuid() : null,
            Type = i.Mapped.Key.ResourceType,
            Identifier = new Hl7.Fhir.Model.Identifier(_client.Identity.SystemFor(i.Mapped.Key.ResourceType), i.Mapped.Key.BusinessId),
        }));

    /// <summary>
    /// Asks the bundle kind now, while the first batch is still being judged; the first send then finds the answer. If
    /// the question fails, the first send meets that failure (it is not asked twice in a row).
    /// </summary>
    public void Prepare()
    {
        Task<BundleKind> kind;
        lock (_kindGate)
        {
            if (_kind is not null)
            {
                return;
            }

            kind = _kind = BundleKindAsync(CancellationToken.None);
        }

        _ = kind.ContinueWith(asked => _ = asked.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// The bundle kind, asked once for all the sends of this writer. The question is not tied to the send that asked
    /// it (each waits with its own token), and one that failed is asked again by the send after the one that met it.
    /// </summary>
    private Task<BundleKind> KindAsync(CancellationToken ct)
    {
        Task<BundleKind> kind;
        lock (_kindGate)
        {
            if (_kind is null || (_kindMet && (_kind.IsFaulted || _kind.IsCanceled)))
            {
                _kind = BundleKindAsync(CancellationToken.None);
            }

            _kindMet = true;
            kind = _kind;
        }

        return kind.WaitAsync(ct);
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
