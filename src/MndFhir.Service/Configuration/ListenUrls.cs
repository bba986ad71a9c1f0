using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace MndFhir.Service.Configuration;

/// <summary>
/// The addresses the service is told to listen on (<c>--urls</c>, <c>Service:Urls</c>, the host's <c>Urls</c>), read as
/// Kestrel reads them (';'-separated) before anything starts: what Kestrel would refuse with a .NET exception at start
/// is a configuration error naming where the address came from.
/// </summary>
public static class ListenUrls
{
    /// <summary>Why Kestrel could not listen on <paramref name="urls"/>; null when it can.</summary>
    public static string? Problem(string? urls)
    {
        foreach (var address in (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress parsed;
            try
            {
                parsed = BindingAddress.Parse(address);
            }
            catch (FormatException)
            {
                return $"'{address}' is not a URL to listen on (e.g. {ServiceHost.DefaultUrl})";
            }

            if (!string.Equals(parsed.Scheme, "http", StringComparison.OrdinalIgnoreCase) && !string.Equals(parsed.Scheme, "https", StringComparison.OrdinalIgnoreCase))
            {
                return $"'{address}': the service speaks http:// or https:// only (e.g. {ServiceHost.DefaultUrl})";
            }

            if (parsed.IsUnixPipe)
            {
                continue;
            }

            if (!string.IsNullOrEmpty(parsed.PathBase))
            {
                return $"'{address}': a path is not allowed; the service answers at the root of its address (e.g. {ServiceHost.DefaultUrl}; a reverse proxy may add a path)";
            }

            // "http://host:abc" is read as the host "host:abc" on the scheme's default port.
            if (parsed.Host.Contains(':', StringComparison.Ordinal) && !parsed.Host.StartsWith('['))
            {
                return $"'{address}': the port is not a number (e.g. {ServiceHost.DefaultUrl})";
            }

            if (parsed.Port is < 0 or > 65535)
            {
                return $"'{address}': the port must be between 0 and 65535 (it is {parsed.Port.ToString(CultureInfo.InvariantCulture)})";
            }
        }

        return null;
    }
}
