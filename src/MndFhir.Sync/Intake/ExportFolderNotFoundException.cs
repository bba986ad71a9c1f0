namespace MndFhir.Sync.Intake;

/// <summary>The export folder to import does not exist: a configuration or usage mistake, not an empty export.</summary>
public sealed class ExportFolderNotFoundException : Exception
{
    public ExportFolderNotFoundException()
    {
    }

    public ExportFolderNotFoundException(string folder)
        : base($"The export folder '{folder}' does not exist (check Clinic:ExportPath or --from).")
    {
    }

    public ExportFolderNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
