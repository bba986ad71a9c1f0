using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using MndFhir.Sync.Configuration;

namespace MndFhir.Service.Configuration;

/// <summary>
/// An https address needs a server certificate: checked from the configuration before anything starts, as Kestrel will
/// look for one (an endpoint's own <c>Certificate</c> or <c>Sni</c> certificates, else <c>Kestrel:Certificates:Default</c>,
/// else the ASP.NET Core developer certificate in the user's store), instead of reading Kestrel's exception text when
/// it binds (which changes between .NET versions).
/// </summary>
public static class HttpsCertificates
{
    public const string Missing = "Listening on https needs a server certificate: configure Kestrel:Certificates:Default (Path, and KeyPath or Password) or Kestrel:Endpoints:NAME:Certificate, or listen on http behind a reverse proxy (docs/operations.md).";

    /// <summary>The extension that marks the ASP.NET Core developer certificate (dotnet dev-certs https).</summary>
    private const string DevelopmentCertificateOid = "1.3.6.1.4.1.311.84.1.1";

    /// <summary>Throws when an address Kestrel will bind (<paramref name="urls"/>, or the Kestrel:Endpoints that replace them) is https with no certificate to serve.</summary>
    public static void Ensure(IConfiguration configuration, string urls)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().ToList();
        var https = endpoints.Count > 0
            ? endpoints.Where(e => IsHttps(e["Url"]) && !Configured(e.GetSection("Certificate")) && !e.GetSection("Sni").GetChildren().Any(s => Configured(s.GetSection("Certificate")))).Select(e => $"{e.Path}:Url").ToList()
            : urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(IsHttps).ToList();
        if (https.Count > 0 && !Configured(configuration.GetSection("Kestrel:Certificates:Default")) && !HasDevelopmentCertificate())
        {
            throw new ConfigurationException(Missing);
        }
    }

    private static bool IsHttps(string? url) => url is not null && url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>A certificate from a file (Path) or from a store (Subject).</summary>
    private static bool Configured(IConfigurationSection certificate) =>
        !string.IsNullOrWhiteSpace(certificate["Path"]) || !string.IsNullOrWhiteSpace(certificate["Subject"]);

    private static bool HasDevelopmentCertificate()
    {
        try
        {
            using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            var now = DateTime.Now;
            var found = false;
            foreach (var certificate in store.Certificates)
            {
                found |= certificate.Extensions.Any(e => e.Oid?.Value == DevelopmentCertificateOid) && certificate.NotBefore <= now && now <= certificate.NotAfter && certificate.HasPrivateKey;
                certificate.Dispose();
            }

            return found;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // No store for this user (a fresh service account on Linux): no developer certificate.
            return false;
        }
    }
}
