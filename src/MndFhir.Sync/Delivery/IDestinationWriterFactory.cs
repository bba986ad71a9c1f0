using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery;

/// <summary>Creates the writer for one sync of one destination.</summary>
public interface IDestinationWriterFactory
{
    /// <param name="provenance">Where the run's deliveries come from: each bundle or part then carries a Provenance.</param>
    IDestinationWriter Create(DestinationOptions destination, long runId, DateTimeOffset startedAt, DeliveryProvenance? provenance = null);
}
