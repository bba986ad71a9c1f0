using System.Net.Http.Headers;
using System.Text;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// Puts the destination's credentials on every request, read from the environment variable the configuration names
/// (never from a file), at the moment of the request, so a rotated secret is used without a restart.
/// </summary>
public sealed class DestinationAuthHandler(DestinationOptions destination) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (destination.Auth != AuthKind.None)
        {
            var secret = Environment.GetEnvironmentVariable(destination.TokenVariable!)
                ?? throw new ConfigurationException(
                    $"Destination '{destination.Name}' needs its secret in the environment variable {destination.TokenVariable}, which is not set.");
            request.Headers.Authorization = destination.Auth == AuthKind.Bearer
                ? new AuthenticationHeaderValue("Bearer", secret)
                : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{destination.UserName}:{secret}")));
        }

        return base.SendAsync(request, cancellationToken);
    }
}
