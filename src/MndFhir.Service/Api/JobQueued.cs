namespace MndFhir.Service.Api;

/// <summary>A job the API queued: its Hangfire id (its page is <c>/hangfire/jobs/details/{jobId}</c>).</summary>
public sealed record JobQueued(string JobId);
