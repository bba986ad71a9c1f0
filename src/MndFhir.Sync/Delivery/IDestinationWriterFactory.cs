using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery;

/// <summary>Creates the writer for one sync of one destination.</summary>
public interface IDestinationWriterFactory
{
    IDestinationWriter Create(DestinationOptions destination, long runId, DateTimeOffset startedAt);
}
