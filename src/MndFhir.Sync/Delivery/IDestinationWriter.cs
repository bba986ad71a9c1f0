using MndFhir.Sync.ChangeSets;

namespace MndFhir.Sync.Delivery;

/// <summary>Sends batches of resources to one destination and reports, per resource, what the destination confirmed.</summary>
public interface IDestinationWriter : IAsyncDisposable
{
    /// <summary>
    /// Delivers <paramref name="batch"/>. Returns one result per item; an item the destination did not confirm is never
    /// reported as accepted. Throws <see cref="DestinationUnavailableException"/> when the destination cannot be reached
    /// or answers something that is not FHIR, <see cref="DestinationWriteException"/> when a file destination cannot
    /// store the batch; either way nothing of the batch is confirmed.
    /// </summary>
    Task<IReadOnlyList<DeliveryResult>> SendAsync(IReadOnlyList<ChangeSetItem> batch, CancellationToken ct);

    /// <summary>
    /// Deletes at the destination the resources it holds (their ids there, from the ledger): a patient's registry consent
    /// was withdrawn, or a pseudonym key was retired. One result per item; accepted means the destination no longer holds it.
    /// </summary>
    Task<IReadOnlyList<DeliveryResult>> DeleteAsync(IReadOnlyList<Withdrawal> items, CancellationToken ct) =>
        throw new NotSupportedException($"{GetType().Name} cannot delete.");

    /// <summary>
    /// The run has something to send: start what the first send needs before it (a FHIR server's CapabilityStatement),
    /// so that the first batch does not wait for it. Returns at once; a failure is met again by the first send.
    /// </summary>
    void Prepare()
    {
    }

    /// <summary>
    /// Lets <paramref name="sizes"/> learn from the destination's answer times: a FHIR server's writer reports each bundle
    /// it answered with the time of the attempt answered; a file destination reports nothing.
    /// </summary>
    void ReportAnswerTimes(AdaptiveBatchSize sizes)
    {
    }

    /// <summary>Where this run's output went, for destinations that write files; null otherwise or when nothing was written.</summary>
    string? Output => null;
}
