namespace MndFhir.Sync.Delivery;

/// <summary>
/// A file destination could not store a batch (disk full, no permission, an I/O error): nothing of the batch is
/// confirmed and its partial files are removed; what earlier batches committed stays. The message is one line naming
/// the folder and the cause, for the run's history.
/// </summary>
public sealed class DestinationWriteException : Exception
{
    public DestinationWriteException()
    {
    }

    public DestinationWriteException(string message)
        : base(message)
    {
    }

    public DestinationWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
