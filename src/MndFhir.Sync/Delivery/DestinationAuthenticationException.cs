namespace MndFhir.Sync.Delivery;

/// <summary>
/// The destination refused MndFhir's credentials (401, 403): a token expired or revoked, a wrong secret, a missing
/// scope. The run stops at once; nothing becomes a dead letter, since the content was never judged.
/// </summary>
public sealed class DestinationAuthenticationException : Exception
{
    public DestinationAuthenticationException()
    {
    }

    public DestinationAuthenticationException(string message)
        : base(message)
    {
    }

    public DestinationAuthenticationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DestinationAuthenticationException(string destination, int status, string? reason)
        : base($"Authentication failed: destination '{destination}' answered HTTP {status}{(reason is null ? string.Empty : ": " + reason)}. Check its credentials (Auth, TokenVariable); nothing was recorded as failed.")
    {
        Status = status;
    }

    public int Status { get; }
}
