namespace MndFhir.Sync.Intake;

/// <summary>Another import, or a sync, holds the database: an import runs alone, and waits for nobody.</summary>
public sealed class ImportBusyException : Exception
{
    public ImportBusyException()
    {
    }

    public ImportBusyException(string message)
        : base(message)
    {
    }

    public ImportBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
