namespace MndFhir.Sync.Configuration;

/// <summary>How MndFhir authenticates to a FHIR destination. Mutual TLS (a client certificate) combines with any of them.</summary>
public enum AuthKind
{
    None,

    /// <summary>A bearer token read from the environment variable named in <see cref="DestinationOptions.TokenVariable"/>.</summary>
    Bearer,

    /// <summary>HTTP basic: user name from the options, password from the environment variable <see cref="DestinationOptions.TokenVariable"/>.</summary>
    Basic,

    /// <summary>
    /// SMART Backend Services: an access token from the server's token endpoint (OAuth2 client credentials), asked for
    /// with a JWT signed by the clinic's private key (RS384 or ES384) whose public key the server holds as a JWKS.
    /// </summary>
    SmartBackendServices,
}
