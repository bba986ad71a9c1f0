namespace MndFhir.Sync.Configuration;

/// <summary>
/// The configuration cannot be used as it is (a malformed file, an unknown destination, a secret variable not set):
/// the message names the key or the name and what is allowed; the operator fixes it, nothing was started.
/// </summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException()
    {
    }

    public ConfigurationException(string message)
        : base(message)
    {
    }

    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
