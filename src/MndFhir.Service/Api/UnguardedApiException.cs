namespace MndFhir.Service.Api;

/// <summary>The service was asked to listen beyond loopback without an API key.</summary>
public sealed class UnguardedApiException(string message) : InvalidOperationException(message);
