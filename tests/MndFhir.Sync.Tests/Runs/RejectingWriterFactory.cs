using MndFhir.Identity;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;

namespace MndFhir.Sync.Tests.Runs;

/// <summary>
/// Fault injection around the real writer: the destination rejects the listed resources (as a server answers 4xx with
/// an OperationOutcome) and the real writer delivers everything else; or the writer fails with <see cref="FailWith"/>.
/// Every writer's calls are noted in <see cref="Calls"/>, in order.
/// </summary>
internal sealed class RejectingWriterFactory(IDestinationWriterFactory real) : IDestinationWriterFactory
{
    public HashSet<ResourceKey> Reject { get; } = [];

    /// <summary>Thrown by every send instead of delivering, as an unforeseen fault (a bug, a broken disk) would be.</summary>
    public Exception? FailWith { get; set; }

    /// <summary>Called after each send the real writer completed, before the sync sees its answer (a Ctrl-C arriving then, say).</summary>
    public Action? AfterSend { get; set; }

    /// <summary>"prepare", "send" and "delete", as the sync called them.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Calls { get; } = new();

    public IDestinationWriter Create(DestinationOptions destination, long runId, DateTimeOffset startedAt, DeliveryProvenance? provenance = null) =>
        new Writer(real.Create(destination, runId, startedAt, provenance), Reject, FailWith, AfterSend, Calls);

    private sealed class Writer(IDestinationWriter inner, HashSet<ResourceKey> reject, Exception? failWith, Action? afterSend, System.Collections.Concurrent.ConcurrentQueue<string> calls) : IDestinationWriter
    {
        public void Prepare()
        {
            calls.Enqueue("prepare");
            inner.Prepare();
        }

        public async Task<IReadOnlyList<DeliveryResult>> SendAsync(IReadOnlyList<ChangeSetItem> batch, CancellationToken ct)
        {
            calls.Enqueue("send");
            if (failWith is not null)
            {
                throw failWith;
            }

            var accepted = await inner.SendAsync(batch.Where(i => !reject.Contains(i.Mapped.Key)).ToList(), ct);
            var rejected = batch.Where(i => reject.Contains(i.Mapped.Key))
                .Select(i => DeliveryResult.Rejected(i.Mapped.Key, 422, "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"invalid\"}]}"));
            afterSend?.Invoke();
            return [.. accepted, .. rejected];
        }

        public Task<IReadOnlyList<DeliveryResult>> DeleteAsync(IReadOnlyList<Withdrawal> items, CancellationToken ct)
        {
            calls.Enqueue("delete");
            return inner.DeleteAsync(items, ct);
        }

        public string? Output => inner.Output;

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
