namespace MndFhir.Service.Api;

/// <summary>The health answer: up, and nothing else.</summary>
public sealed record HealthAnswer(string Status);
