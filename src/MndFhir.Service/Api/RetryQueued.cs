namespace MndFhir.Service.Api;

/// <summary>The syncs queued to retry dead letters: one per destination that has any.</summary>
public sealed record RetryQueued(IReadOnlyList<string> Destinations, IReadOnlyList<string> JobIds);
