using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using MndFhir.Sync.Configuration;

namespace MndFhir.Service.Api;

/// <summary>
/// The API key that guards /api and /hangfire. It comes from an environment variable (Service:ApiKeyVariable, default
/// MNDFHIR_API_KEY), never from a configuration file, and is at least <see cref="MinimumBytes"/> bytes long. Without a
/// key the service binds loopback addresses only (<see cref="EnsureMayListenOn"/>, called by Kestrel's transport for
/// every address it is about to bind) and answers only local callers. With a key, every /api request carries it as
/// "Authorization: Bearer KEY" or "X-Api-Key: KEY"; the dashboard also takes it as the password of HTTP Basic, so a
/// browser can ask for it.
/// </summary>
public sealed class ApiKey
{
    public const string DefaultVariable = "MNDFHIR_API_KEY";

    /// <summary>256 bits: a key shorter than that can be guessed or was typed by hand.</summary>
    public const int MinimumBytes = 32;

    private readonly byte[]? _key;

    private ApiKey(string variable, string? key)
    {
        Variable = variable;
        _key = string.IsNullOrEmpty(key) ? null : Encoding.UTF8.GetBytes(key);
    }

    public string Variable { get; }

    public bool IsSet => _key is not null;

    /// <summary>Reads the key; a key shorter than <see cref="MinimumBytes"/> bytes is refused (configuration error).</summary>
    public static ApiKey FromEnvironment(string variable)
    {
        var key = new ApiKey(variable, Environment.GetEnvironmentVariable(variable));
        if (key._key is { Length: < MinimumBytes } bytes)
        {
            throw new ConfigurationException(
                $"The API key in {variable} is {bytes.Length} bytes long; it needs at least {MinimumBytes} (for example the output of 'openssl rand -base64 32').");
        }

        return key;
    }

    /// <summary>
    /// Throws <see cref="UnguardedApiException"/> when the service is about to listen on <paramref name="endpoint"/>
    /// beyond loopback (any address, a host name, a Unix socket a proxy forwards to) without a key. Kestrel calls this
    /// for every address it binds, from whichever source it came (--urls, Service:Urls, Urls, ASPNETCORE_URLS, the
    /// Kestrel section, HTTP_PORTS), before the socket is bound.
    /// </summary>
    public void EnsureMayListenOn(EndPoint endpoint)
    {
        if (!IsSet && !IsLoopback(endpoint))
        {
            throw new UnguardedApiException(
                $"Listening on {Describe(endpoint)} (beyond loopback) needs an API key: set the environment variable {Variable} to a random secret of at least {MinimumBytes} bytes, " +
                "and give it to the API's callers as 'Authorization: Bearer <key>'.");
        }
    }

    /// <summary>Whether <paramref name="request"/> carries the key (any request does when no key is set).</summary>
    public bool Accepts(HttpRequest request, bool allowBasic)
    {
        if (_key is null)
        {
            return true;
        }

        string? presented = request.Headers["X-Api-Key"].FirstOrDefault();
        if (presented is null && request.Headers.Authorization.FirstOrDefault() is { } authorization)
        {
            if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                presented = authorization["Bearer ".Length..].Trim();
            }
            else if (allowBasic && authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            {
                presented = BasicPassword(authorization["Basic ".Length..].Trim());
            }
        }

        return presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);
    }

    /// <summary>Whether an endpoint Kestrel binds is loopback only (127.0.0.0/8, ::1).</summary>
    public static bool IsLoopback(EndPoint endpoint) => endpoint is IPEndPoint ip && IPAddress.IsLoopback(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address);

    private static string Describe(EndPoint endpoint) => endpoint switch
    {
        IPEndPoint { Address.AddressFamily: AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        UnixDomainSocketEndPoint unix => $"the Unix socket {unix}",
        _ => endpoint.ToString() ?? endpoint.GetType().Name,
    };

    private static string? BasicPassword(string encoded)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : text[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
