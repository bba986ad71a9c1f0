using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace MndFhir.Service.Api;

/// <summary>
/// The API key that guards /api. It comes from an environment variable (Service:ApiKeyVariable, default
/// MNDFHIR_API_KEY), never from a configuration file. On loopback the API may run without a key (only this machine can
/// call it); listening on any other address without a key is refused at start. When a key is set, every /api request
/// must carry it, as "Authorization: Bearer KEY" or "X-Api-Key: KEY", wherever the service listens.
/// </summary>
public sealed class ApiKey
{
    public const string DefaultVariable = "MNDFHIR_API_KEY";

    private readonly byte[]? _key;

    private ApiKey(string variable, string? key)
    {
        Variable = variable;
        _key = string.IsNullOrEmpty(key) ? null : Encoding.UTF8.GetBytes(key);
    }

    public string Variable { get; }

    public bool IsSet => _key is not null;

    public static ApiKey FromEnvironment(string variable) => new(variable, Environment.GetEnvironmentVariable(variable));

    /// <summary>Throws when the service would listen beyond loopback with an unguarded API.</summary>
    public void EnsureSafeFor(string urls)
    {
        var exposed = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(u => !IsLoopback(u)).ToList();
        if (exposed.Count > 0 && !IsSet)
        {
            throw new UnguardedApiException(
                $"Listening on {string.Join(", ", exposed)} (beyond loopback) needs an API key: set the environment variable {Variable} to a long random secret, " +
                "and give it to the API's callers as 'Authorization: Bearer <key>'.");
        }
    }

    public bool Accepts(HttpRequest request)
    {
        if (_key is null)
        {
            return true;
        }

        string? presented = request.Headers["X-Api-Key"].FirstOrDefault();
        if (presented is null && request.Headers.Authorization.FirstOrDefault() is { } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }

        return presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);
    }

    /// <summary>Whether a listen URL binds to loopback only (127.0.0.0/8, ::1, localhost).</summary>
    public static bool IsLoopback(string url) =>
        Uri.TryCreate(url.Replace("://+", "://any-address", StringComparison.Ordinal).Replace("://*", "://any-address", StringComparison.Ordinal), UriKind.Absolute, out var uri)
        && uri.IsLoopback;
}
