using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>
/// A SMART Backend Services authorization server and the FHIR endpoint it protects, on loopback, in front of the real
/// FHIR test server. The token endpoint takes the client credentials grant with a JWT client assertion and verifies it
/// against the JWKS registered for the client (signature, RS384/ES384, iss = sub = client id, aud = the token
/// endpoint, exp at most five minutes ahead, a jti never seen before). The FHIR endpoint answers 401 to a request
/// without a token it issued, or with one expired or revoked, and passes the rest to the FHIR server.
/// </summary>
public sealed class SmartAuthServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly LoopbackForwarder _forwarder;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _jtis = new(StringComparer.Ordinal);
    private int _fhirRequests;
    private int _tokensIssued;
    private int _unauthorized;
    private int _assertionsRefused;

    private SmartAuthServer(WebApplication app, Uri upstream, string clientId, string jwks)
    {
        _app = app;
        _forwarder = new LoopbackForwarder(upstream);
        ClientId = clientId;
        RegisteredJwks = jwks;
        Upstream = upstream;
    }

    public string ClientId { get; }

    /// <summary>The JWKS of the client's public key, as the registry holds it.</summary>
    public string RegisteredJwks { get; set; }

    public Uri Upstream { get; }

    public Uri BaseUrl { get; private set; } = null!;

    public Uri TokenEndpoint { get; private set; } = null!;

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>When the FHIR endpoint has answered this many requests, every token issued so far is revoked.</summary>
    public int? RevokeAllAtRequest { get; set; }

    public int FhirRequests => _fhirRequests;

    public int TokensIssued => _tokensIssued;

    public int Unauthorized => _unauthorized;

    public int AssertionsRefused => _assertionsRefused;

    public string? LastScope { get; private set; }

    public static async Task<SmartAuthServer> StartAsync(Uri upstream, string clientId, string jwks)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new SmartAuthServer(app, upstream, clientId, jwks);
        app.MapPost("/auth/token", (Delegate)server.TokenAsync);
        app.MapGet(upstream.AbsolutePath + ".well-known/smart-configuration", () => Results.Json(new
        {
            token_endpoint = server.TokenEndpoint.AbsoluteUri,
            token_endpoint_auth_methods_supported = new[] { "private_key_jwt" },
            token_endpoint_auth_signing_alg_values_supported = new[] { "RS384", "ES384" },
            grant_types_supported = new[] { "client_credentials" },
            capabilities = new[] { "client-confidential-asymmetric" },
        }));
        app.MapFallback(server.FhirAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        server.BaseUrl = new Uri(address + upstream.AbsolutePath);
        server.TokenEndpoint = new Uri(address + "/auth/token");
        return server;
    }

    /// <summary>A token as the server issues it, already expired: for checking that the endpoint refuses it.</summary>
    public string IssueExpiredToken()
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _tokens[token] = DateTimeOffset.UtcNow.AddSeconds(-1);
        return token;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forwarder.Dispose();
    }

    private async Task<IResult> TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        if (form["grant_type"] != "client_credentials"
            || form["client_assertion_type"] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            || string.IsNullOrEmpty(form["scope"]))
        {
            Interlocked.Increment(ref _assertionsRefused);
            return Results.Json(new { error = "invalid_request" }, statusCode: 400);
        }

        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(form["client_assertion"].ToString(), new TokenValidationParameters
        {
            ValidIssuer = ClientId,
            ValidAudience = TokenEndpoint.AbsoluteUri,
            IssuerSigningKeys = new JsonWebKeySet(RegisteredJwks).GetSigningKeys(),
            ValidAlgorithms = ["RS384", "ES384"],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(5),
        });
        var jwt = validation.SecurityToken as JsonWebToken;
        if (!validation.IsValid || jwt is null
            || jwt.Subject != ClientId
            || jwt.ValidTo > DateTime.UtcNow.AddMinutes(5).AddSeconds(5)
            || string.IsNullOrEmpty(jwt.Kid)
            || string.IsNullOrEmpty(jwt.Id) || !_jtis.TryAdd(jwt.Id, true))
        {
            Interlocked.Increment(ref _assertionsRefused);
            return Results.Json(new { error = "invalid_client", error_description = "the client assertion was not accepted" }, statusCode: 401);
        }

        LastScope = form["scope"];
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _tokens[token] = DateTimeOffset.UtcNow + TokenLifetime;
        Interlocked.Increment(ref _tokensIssued);
        return Results.Json(new { access_token = token, token_type = "bearer", expires_in = (int)TokenLifetime.TotalSeconds, scope = LastScope });
    }

    private async Task FhirAsync(HttpContext context)
    {
        var n = Interlocked.Increment(ref _fhirRequests);
        if (n == RevokeAllAtRequest)
        {
            _tokens.Clear();
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal)
            || !_tokens.TryGetValue(authorization["Bearer ".Length..], out var expires)
            || expires <= DateTimeOffset.UtcNow)
        {
            Interlocked.Increment(ref _unauthorized);
            context.Response.StatusCode = 401;
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            context.Response.ContentType = "application/fhir+json";
            await context.Response.WriteAsync("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"login\",\"diagnostics\":\"No valid access token\"}]}");
            return;
        }

        await _forwarder.ForwardAsync(context);
    }
}
