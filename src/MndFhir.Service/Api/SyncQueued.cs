namespace MndFhir.Service.Api;

/// <summary>A sync of one destination queued.</summary>
public sealed record SyncQueued(string JobId, string Destination);
