namespace MndFhir.Sync.Delivery;

/// <summary>
/// The destination is not the FHIR server the configuration says (404 or 405 on its base, metadata or a resource
/// type): a wrong BaseUrl, a proxy path, a server without the resource types. The run stops at once; nothing becomes
/// a dead letter.
/// </summary>
public sealed class DestinationMisconfiguredException : Exception
{
    public DestinationMisconfiguredException()
    {
    }

    public DestinationMisconfiguredException(string message)
        : base(message)
    {
    }

    public DestinationMisconfiguredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DestinationMisconfiguredException(string destination, int status, string request, string? reason)
        : base($"Misconfigured destination: '{destination}' answered HTTP {status} to {request}{(reason is null ? string.Empty : ": " + reason)}. Check its BaseUrl; nothing was recorded as failed.")
    {
        Status = status;
    }

    public int Status { get; }
}
