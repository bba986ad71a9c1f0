namespace MndFhir.Sync.Runs;

/// <summary>Another process holds the destination's lease: one sync of a destination runs at a time.</summary>
public sealed class SyncAlreadyRunningException : Exception
{
    public SyncAlreadyRunningException(string destination)
        : base($"A sync of destination '{destination}' is already running; try again when it has finished.")
    {
    }

    public SyncAlreadyRunningException()
    {
    }

    public SyncAlreadyRunningException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
