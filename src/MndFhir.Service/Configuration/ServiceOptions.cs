using System.ComponentModel.DataAnnotations;
using System.Net;
using MndFhir.Sync.Configuration;

namespace MndFhir.Service.Configuration;

/// <summary>Section <c>Service</c>: where the service listens, which environment variable holds its API key, which proxies it trusts.</summary>
public sealed class ServiceOptions : IValidatableObject
{
    public const string Section = "Service";

    /// <summary>
    /// Where to listen (default <see cref="ServiceHost.DefaultUrl"/>); loopback unless an API key is set. <c>--urls</c>
    /// wins over it, and it over the host's <c>Urls</c> (ASPNETCORE_URLS); a Kestrel:Endpoints section replaces them all.
    /// </summary>
    public string? Urls { get; set; }

    /// <summary>The environment variable holding the API key (never the key itself).</summary>
    public string ApiKeyVariable { get; set; } = Api.ApiKey.DefaultVariable;

    /// <summary>
    /// IP addresses of the reverse proxies whose X-Forwarded-For, -Proto and -Host are believed. From any other caller
    /// these headers are not believed, and a request that carries them is not taken for a local one.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>
    /// Urls must be addresses Kestrel can listen on, and each known proxy an IP address (checked with the rest of the
    /// configuration, by every command, not only by serve).
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ListenUrls.Problem(Urls) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(Urls)]);
        }

        for (var i = 0; i < KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i], out _))
            {
                yield return new ValidationResult(NotAnAddress(KnownProxies[i]), [$"{nameof(KnownProxies)}:{i}"]);
            }
        }
    }

    /// <summary>The known proxies' addresses; each was checked by <see cref="Validate"/>.</summary>
    public List<IPAddress> KnownProxyAddresses() =>
        KnownProxies.Select((proxy, i) => IPAddress.TryParse(proxy, out var address)
            ? address
            : throw new ConfigurationException($"{Section}:{nameof(KnownProxies)}:{i}: {NotAnAddress(proxy)}")).ToList();

    private static string NotAnAddress(string proxy) => $"'{proxy}' is not an IP address (the address the reverse proxy connects from)";
}
