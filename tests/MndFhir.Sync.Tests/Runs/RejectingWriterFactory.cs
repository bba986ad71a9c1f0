using MndFhir.Identity;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;

namespace MndFhir.Sync.Tests.Runs;

/// <summary>
/// Fault injection around the real writer: the destination rejects the listed resources (as a server answers 4xx with
/// an OperationOutcome) and the real writer delivers everything else.
/// </summary>
internal sealed class RejectingWriterFactory(IDestinationWriterFactory real) : IDestinationWriterFactory
{
    public HashSet<ResourceKey> Reject { get; } = [];

    public IDestinationWriter Create(DestinationOptions destination, long runId, DateTimeOffset startedAt) =>
        new Writer(real.Create(destination, runId, startedAt), Reject);

    private sealed class Writer(IDestinationWriter inner, HashSet<ResourceKey> reject) : IDestinationWriter
    {
        public async Task<IReadOnlyList<DeliveryResult>> SendAsync(IReadOnlyList<ChangeSetItem> batch, CancellationToken ct)
        {
            var accepted = await inner.SendAsync(batch.Where(i => !reject.Contains(i.Mapped.Key)).ToList(), ct);
            var rejected = batch.Where(i => reject.Contains(i.Mapped.Key))
                .Select(i => DeliveryResult.Rejected(i.Mapped.Key, "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"invalid\"}]}"));
            return [.. accepted, .. rejected];
        }

        public string? Output => inner.Output;

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
