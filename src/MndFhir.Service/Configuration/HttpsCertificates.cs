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

    /// <summary>
    /// Throws when an address Kestrel will bind (<paramref name="urls"/>, or the Kestrel:Endpoints that replace them) is
    /// https with no certificate to serve, or with a configured certificate Kestrel could not load (a file that does not
    /// exist or is not a certificate with its key, a wrong password, a subject not in the store): one line naming the key,
    /// where Kestrel's own exception at start-up was an "Unexpected error" (exit 10).
    /// </summary>
    /// <param name="contentRoot">The folder Kestrel resolves relative certificate paths from (the host's content root).</param>
    public static void Ensure(IConfiguration configuration, string urls, string? contentRoot = null)
    {
        contentRoot ??= Directory.GetCurrentDirectory();
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Where(e => IsHttps(e["Url"])).ToList();
        var https = configuration.GetSection("Kestrel:Endpoints").GetChildren().Any()
            ? endpoints.Count > 0
            : urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(IsHttps);
        if (!https)
        {
            return;
        }

        var needDefault = endpoints.Count == 0;
        foreach (var endpoint in endpoints)
        {
            var own = new[] { endpoint.GetSection("Certificate") }.Concat(endpoint.GetSection("Sni").GetChildren().Select(s => s.GetSection("Certificate"))).Where(Configured).ToList();
            own.ForEach(c => EnsureLoads(c, contentRoot));
            needDefault |= own.Count == 0;
        }

        if (!needDefault)
        {
            return;
        }

        var fallback = configuration.GetSection("Kestrel:Certificates:Default");
        if (Configured(fallback))
        {
            EnsureLoads(fallback, contentRoot);
        }
        else if (!HasDevelopmentCertificate())
        {
            throw new ConfigurationException(Missing);
        }
    }

    /// <summary>
    /// Loads the certificate of <paramref name="certificate"/> as Kestrel will (Path with KeyPath: PEM; Path alone: PKCS#12
    /// with Password; Subject: the store, Store and Location, valid ones unless AllowInvalid) and throws, naming the key,
    /// what stops it. The password is never said.
    /// </summary>
    private static void EnsureLoads(IConfigurationSection certificate, string contentRoot)
    {
        var password = certificate["Password"];
        if (!string.IsNullOrWhiteSpace(certificate["Path"]) && !string.IsNullOrWhiteSpace(certificate["Subject"]))
        {
            throw new ConfigurationException($"{certificate.Path}: both Path and Subject are set; Kestrel takes a certificate from one source, a file or the store.");
        }

        if (certificate["Path"] is { Length: > 0 } relative && !string.IsNullOrWhiteSpace(relative))
        {
            var path = Path.GetFullPath(relative, contentRoot);
            var keyPath = certificate["KeyPath"] is { Length: > 0 } key ? Path.GetFullPath(key, contentRoot) : null;
            foreach (var (name, file) in new[] { ("Path", path), ("KeyPath", keyPath) })
            {
                if (file is not null && !File.Exists(file))
                {
                    throw new ConfigurationException($"{certificate.Path}:{name}: the file {file} does not exist.");
                }
            }

            try
            {
                using var loaded = keyPath is null ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
                    : password is null ? X509Certificate2.CreateFromPemFile(path, keyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
                if (!loaded.HasPrivateKey)
                {
                    throw new ConfigurationException($"{certificate.Path}:Path: {path} holds no private key for its certificate.");
                }
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                var expected = keyPath is null ? "a PKCS#12 (.pfx) file opened by its Password (a PEM certificate needs KeyPath)" : "a PEM certificate whose key is in KeyPath (encrypted: with its Password)";
                throw new ConfigurationException($"{certificate.Path}:Path: {path} cannot be loaded as {expected}: {ex.Message.Split('\n', 2)[0].Trim()}", ex);
            }

            return;
        }

        var subject = certificate["Subject"]!;
        var storeName = certificate["Store"] is { Length: > 0 } s ? s : "My";
        var locationName = certificate["Location"] is { Length: > 0 } l ? l : nameof(StoreLocation.CurrentUser);
        if (!Enum.TryParse<StoreLocation>(locationName, ignoreCase: true, out var location))
        {
            throw new ConfigurationException($"{certificate.Path}:Location: '{locationName}' is not one of CurrentUser, LocalMachine.");
        }

        var validOnly = !bool.TryParse(certificate["AllowInvalid"], out var allowInvalid) || !allowInvalid;
        try
        {
            using var store = new X509Store(storeName, location);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            var found = store.Certificates.Find(X509FindType.FindBySubjectName, subject, validOnly);
            var usable = found.Any(c => c.HasPrivateKey);
            foreach (var c in store.Certificates)
            {
                c.Dispose();
            }

            if (usable)
            {
                return;
            }
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // No such store for this user: said below.
        }

        throw new ConfigurationException(
            $"{certificate.Path}:Subject: no {(validOnly ? "valid " : string.Empty)}certificate for '{subject}' with its private key in {location}/{storeName}.");
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
