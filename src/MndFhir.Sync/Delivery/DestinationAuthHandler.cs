using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery.Authentication;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// Puts the destination's credentials on every request: a bearer token or basic password read from the environment
/// variable the configuration names, at the moment of the request (a rotated secret is used without a restart), or a
/// SMART Backend Services access token (<see cref="SmartTokenSource"/>). A SMART token the server refuses with 401 is
/// replaced once and the request sent again, so a token revoked or expired early does not stop a sync. A secret is
/// never sent over plain http beyond loopback, whatever the configuration check let through.
/// </summary>
public sealed class DestinationAuthHandler(DestinationOptions destination, SmartTokenSource tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (destination.Auth == AuthKind.None)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        if (request.RequestUri is { } url && DestinationOptions.IsPlainHttpBeyondLoopback(url))
        {
            throw new ConfigurationException($"Destination '{destination.Name}': its {destination.Auth} credentials are not sent over plain http to {url.Authority}; use https.");
        }

        if (destination.Auth != AuthKind.SmartBackendServices)
        {
            var secret = SecretVariables.Read(destination.TokenVariable)
                ?? throw new ConfigurationException(
                    $"Destination '{destination.Name}' needs its secret in the environment variable {destination.TokenVariable}, which is not set.");
            request.Headers.Authorization = destination.Auth == AuthKind.Bearer
                ? new AuthenticationHeaderValue("Bearer", secret)
                : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{destination.UserName}:{secret}")));
            return await base.SendAsync(request, cancellationToken);
        }

        var token = await tokens.GetAsync(destination, rejected: null, cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        // Once: a second 401 with a brand-new token is the server's verdict on the client, not on the token.
        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(destination, rejected: token, cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}
