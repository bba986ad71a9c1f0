namespace MndFhir.Sync.Delivery;

/// <summary>The destination did not answer usefully after the retries allowed: the sync stops, the ledger keeps what was confirmed.</summary>
public sealed class DestinationUnavailableException : Exception
{
    public DestinationUnavailableException()
    {
    }

    public DestinationUnavailableException(string message)
        : base(message)
    {
    }

    public DestinationUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
