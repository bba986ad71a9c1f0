namespace MndFhir.Data;

/// <summary>
/// The configured database cannot be used as it is, and nothing was done to it: a command that only reads found no
/// MndFhir database there, or the database is another application's. The message names the key and the database
/// (a file, or a name and server; never the connection string).
/// </summary>
public sealed class UnusableDatabaseException : Exception
{
    public UnusableDatabaseException()
    {
    }

    public UnusableDatabaseException(string message)
        : base(message)
    {
    }

    public UnusableDatabaseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
