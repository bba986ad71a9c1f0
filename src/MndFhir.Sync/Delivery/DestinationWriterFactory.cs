using Microsoft.Extensions.Logging;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery;

/// <summary>Creates the writer for one sync of one destination.</summary>
public sealed class DestinationWriterFactory(FhirServerClientFactory clients, TimeProvider clock, ILoggerFactory loggers) : IDestinationWriterFactory
{
    public IDestinationWriter Create(DestinationOptions destination, long runId, DateTimeOffset startedAt, DeliveryProvenance? provenance = null) => destination.Kind switch
    {
        DestinationKind.NdjsonFolder => NdjsonFolderWriter.Start(destination.Folder!, destination.Name, startedAt, runId, loggers.CreateLogger<NdjsonFolderWriter>(), provenance is null ? null : new PartProvenance(provenance, clock)),
        DestinationKind.FhirRest => new FhirRestWriter(clients, destination, loggers.CreateLogger<FhirRestWriter>()) { Provenance = provenance is null ? null : new PartProvenance(provenance, clock) },
        _ => throw new ArgumentOutOfRangeException(nameof(destination), destination.Kind, "unknown destination kind"),
    };
}
