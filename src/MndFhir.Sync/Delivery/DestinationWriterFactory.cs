using Microsoft.Extensions.Logging;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery;

/// <summary>Creates the writer for one sync of one destination.</summary>
public sealed class DestinationWriterFactory(FhirServerClientFactory clients, ILoggerFactory loggers) : IDestinationWriterFactory
{
    public IDestinationWriter Create(DestinationOptions destination, long runId, DateTimeOffset startedAt) => destination.Kind switch
    {
        DestinationKind.NdjsonFolder => NdjsonFolderWriter.Start(destination.Folder!, destination.Name, startedAt, runId, loggers.CreateLogger<NdjsonFolderWriter>()),
        DestinationKind.FhirRest => new FhirRestWriter(clients, destination, loggers.CreateLogger<FhirRestWriter>()),
        _ => throw new ArgumentOutOfRangeException(nameof(destination), destination.Kind, "unknown destination kind"),
    };
}
