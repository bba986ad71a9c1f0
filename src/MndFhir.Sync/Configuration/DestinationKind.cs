namespace MndFhir.Sync.Configuration;

public enum DestinationKind
{
    /// <summary>A FHIR R4 server's REST API (transactions with conditional update).</summary>
    FhirRest,

    /// <summary>A folder receiving one NDJSON file per resource type and run (FHIR bulk data format); needs no server.</summary>
    NdjsonFolder,
}
