using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery.Authentication;

/// <summary>
/// Access tokens of SMART Backend Services destinations (the OAuth2 client credentials grant with a JWT client
/// assertion, RFC 7523): the token endpoint is read from <c>{BaseUrl}/.well-known/smart-configuration</c> unless
/// configured; the assertion (iss = sub = client id, aud = token endpoint, exp 5 minutes, a fresh jti) is signed by
/// Microsoft.IdentityModel.JsonWebTokens and the request made by Duende.IdentityModel. A token is kept until shortly
/// before it expires (a fifth of its life, at most a minute) and shared by every request to the destination; one
/// request at a time asks for a new one. Tokens and assertions are never logged.
/// </summary>
public sealed class SmartTokenSource(IHttpClientFactory http, TimeProvider clock, ILogger<SmartTokenSource> logger)
{
    private static readonly TimeSpan AssertionLifetime = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, State> _states = new(StringComparer.OrdinalIgnoreCase);

    public static string HttpClientName(string destination) => "fhir-token:" + destination.ToLowerInvariant();

    /// <summary>
    /// A token for <paramref name="destination"/>: the cached one while it is fresh, else a new one. With
    /// <paramref name="rejected"/> (the token the server just answered 401 to) that token is not used again.
    /// </summary>
    public async Task<string> GetAsync(DestinationOptions destination, string? rejected, CancellationToken ct)
    {
        var state = _states.GetOrAdd(destination.Name, _ => new State());
        await state.Lock.WaitAsync(ct);
        try
        {
            var now = clock.GetUtcNow();
            if (state.Token is { } token && now < state.RefreshAt && token != rejected)
            {
                return token;
            }

            var endpoint = state.TokenEndpoint ??= destination.TokenEndpoint ?? await DiscoverAsync(destination, ct);
            var (accessToken, lifetime) = await RequestAsync(destination, endpoint, ct);
            state.Token = accessToken;
            state.RefreshAt = now + lifetime - TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, lifetime.Ticks / 5));
            logger.LogInformation("New access token for {Destination}, valid for {Seconds:0} s", destination.Name, lifetime.TotalSeconds);
            return accessToken;
        }
        finally
        {
            state.Lock.Release();
        }
    }

    private async Task<Uri> DiscoverAsync(DestinationOptions destination, CancellationToken ct)
    {
        var baseUrl = destination.BaseUrl!.ToString();
        var url = new Uri((baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/") + ".well-known/smart-configuration");
        using var client = http.CreateClient(HttpClientName(destination.Name));
        HttpResponseMessage answer;
        try
        {
            answer = await client.GetAsync(url, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new DestinationUnavailableException($"Destination '{destination.Name}': its SMART configuration ({url}) could not be read ({ex.HttpRequestError}): {ex.Message}", ex);
        }

        using (answer)
        {
            var body = await answer.Content.ReadAsStringAsync(ct);
            if (!answer.IsSuccessStatusCode)
            {
                throw answer.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed
                    ? new DestinationMisconfiguredException($"Misconfigured destination: '{destination.Name}' has no SMART configuration (HTTP {(int)answer.StatusCode} to {url}); set its TokenEndpoint, or check its BaseUrl.")
                    : new DestinationUnavailableException($"Destination '{destination.Name}' answered HTTP {(int)answer.StatusCode} to {url}.");
            }

            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.TryGetProperty("token_endpoint", out var value) && value.ValueKind == JsonValueKind.String
                    && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var endpoint))
                {
                    return DestinationOptions.IsPlainHttpBeyondLoopback(endpoint)
                        ? throw new DestinationMisconfiguredException($"Misconfigured destination: '{destination.Name}' names a token endpoint on plain http ({endpoint.Authority}); a client assertion is sent only over https.")
                        : endpoint;
                }
            }
            catch (JsonException)
            {
                // Said below.
            }

            throw new DestinationMisconfiguredException($"Misconfigured destination: the SMART configuration of '{destination.Name}' ({url}) names no token_endpoint; set its TokenEndpoint.");
        }
    }

    private async Task<(string Token, TimeSpan Lifetime)> RequestAsync(DestinationOptions destination, Uri endpoint, CancellationToken ct)
    {
        string assertion;
        using (var key = SmartSigningKey.Load(destination))
        {
            var now = clock.GetUtcNow().UtcDateTime;
            assertion = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = destination.ClientId,
                Audience = endpoint.AbsoluteUri,
                IssuedAt = now,
                Expires = now + AssertionLifetime,
                Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = destination.ClientId!, [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N") },
                // The key is read afresh for every assertion (a rotated file is used at once) and disposed after it:
                // IdentityModel's cache of signature providers would keep the disposed one under the same key id.
                SigningCredentials = new SigningCredentials(key.SecurityKey, key.Algorithm) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } },
            });
        }

        using var client = http.CreateClient(HttpClientName(destination.Name));
        using var request = new ClientCredentialsTokenRequest
        {
            Address = endpoint.AbsoluteUri,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            Scope = destination.Scopes,
            ClientAssertion = new ClientAssertion { Type = OidcConstants.ClientAssertionTypes.JwtBearer, Value = assertion },
        };
        var answer = await client.RequestClientCredentialsTokenAsync(request, ct);
        if (!answer.IsError && !string.IsNullOrEmpty(answer.AccessToken))
        {
            return (answer.AccessToken, TimeSpan.FromSeconds(answer.ExpiresIn > 0 ? answer.ExpiresIn : 300));
        }

        var status = (int)answer.HttpStatusCode;
        // The OAuth error code (invalid_client, invalid_scope) is in the JSON body; Duende's Error is the reason phrase then.
        var error = answer.TryGet(OidcConstants.TokenResponse.Error) ?? answer.Error;
        var reason = error is null ? null : error + (answer.ErrorDescription is null ? string.Empty : ": " + answer.ErrorDescription);
        logger.LogError(SyncLogEvents.SyncStopped, "The token endpoint of {Destination} answered HTTP {Status} ({Error})", destination.Name, status, error);
        throw status switch
        {
            400 or 401 or 403 => new DestinationAuthenticationException(
                $"Authentication failed: the token endpoint of '{destination.Name}' refused the client (HTTP {status}{(reason is null ? string.Empty : ": " + reason)}). " +
                $"Check ClientId, Scopes, KeyId and that the server holds this key's JWKS (mndfhir keys jwks --destination {destination.Name}); nothing was recorded as failed."),
            404 or 405 => new DestinationMisconfiguredException($"Misconfigured destination: the token endpoint of '{destination.Name}' answered HTTP {status} ({endpoint}); check TokenEndpoint."),
            0 => new DestinationUnavailableException($"Destination '{destination.Name}': its token endpoint could not be reached: {answer.Error}", answer.Exception ?? new HttpRequestException(answer.Error)),
            _ => new DestinationUnavailableException($"Destination '{destination.Name}': its token endpoint answered HTTP {status}{(reason is null ? string.Empty : ": " + reason)}."),
        };
    }

    private sealed class State
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);

        public Uri? TokenEndpoint { get; set; }

        public string? Token { get; set; }

        public DateTimeOffset RefreshAt { get; set; }
    }
}
