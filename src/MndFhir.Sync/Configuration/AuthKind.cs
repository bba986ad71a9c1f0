namespace MndFhir.Sync.Configuration;

public enum AuthKind
{
    None,

    /// <summary>A bearer token read from the environment variable named in <see cref="DestinationOptions.TokenVariable"/>.</summary>
    Bearer,

    /// <summary>HTTP basic: user name from the options, password from the environment variable <see cref="DestinationOptions.TokenVariable"/>.</summary>
    Basic,
}
