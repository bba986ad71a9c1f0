namespace MndFhir.Service.Configuration;

/// <summary>Section <c>Service</c>: where the service listens and which environment variable holds its API key.</summary>
public sealed class ServiceOptions
{
    public const string Section = "Service";

    /// <summary>Where to listen; loopback unless an API key is set.</summary>
    public string Urls { get; set; } = ServiceHost.DefaultUrl;

    /// <summary>The environment variable holding the API key (never the key itself).</summary>
    public string ApiKeyVariable { get; set; } = Api.ApiKey.DefaultVariable;
}
